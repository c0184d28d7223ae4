// Runs native-bench (the same Rust inference compiled for this machine) as a child process
// on exactly the inputs the JavaScript side uses. It stays up and runs one task per request,
// so the bench can time it round-robin with the others; the times are measured inside it.
import { execFile, spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { promisify } from 'node:util';
import { nativeBenchDir } from './paths.js';

const run = promisify(execFile);
const targetDir = path.join(homedir(), '.cache', 'offload', 'bench-target', 'ml-native');

/** Host `cargo build --release` (rustup's toolchain; a no-op when up to date). */
export async function buildNativeBench(): Promise<string> {
  const cargo = process.env.CARGO ?? 'cargo';
  await run(cargo, ['build', '--release', '--quiet', '--target-dir', targetDir], { cwd: nativeBenchDir, maxBuffer: 16 << 20 });
  return path.join(targetDir, 'release', 'digits-native-bench');
}

/** `batch` runs on a rayon pool of one thread, `batch-threads` on one of every core. */
export type NativeTask = 'single' | 'batch' | 'batch-threads';

export class NativeBench {
  private readonly replies: AsyncIterator<string>;

  private constructor(
    private readonly child: ChildProcessByStdio<Writable, Readable, null>,
    private readonly dir: string,
  ) {
    this.replies = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  static async start(binary: string, x: Float32Array, digits: number, singleRun: number): Promise<NativeBench> {
    const dir = await mkdtemp(path.join(tmpdir(), 'offload-ml-'));
    const file = path.join(dir, 'inputs.f32');
    // Float32Array memory is little-endian on every platform Node runs on here (x64, arm64).
    await writeFile(file, new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    const child = spawn(binary, [file, String(digits), String(singleRun)], { stdio: ['pipe', 'pipe', 'inherit'] });
    return new NativeBench(child, dir);
  }

  private async ask(command: NativeTask | 'threads' | 'predictions'): Promise<string> {
    this.child.stdin.write(`${command}\n`);
    const next = await this.replies.next();
    if (next.done) throw new Error(`native-bench exited (code ${this.child.exitCode}) before answering ${command}`);
    if (next.value.startsWith('error')) throw new Error(`native-bench: ${next.value}`);
    return next.value;
  }

  /** Runs the task once; its time in ms as measured inside the native process. */
  async time(task: NativeTask): Promise<number> {
    return Number(await this.ask(task));
  }

  /** The rayon threads `batch-threads` runs on (every core). */
  async threads(): Promise<number> {
    return Number(await this.ask('threads'));
  }

  async predictions(): Promise<number[]> {
    return JSON.parse(await this.ask('predictions')) as number[];
  }

  async close(): Promise<void> {
    this.child.stdin.end();
    await new Promise((resolve) => (this.child.exitCode === null ? this.child.once('exit', resolve) : resolve(undefined)));
    await rm(this.dir, { recursive: true, force: true });
  }
}
