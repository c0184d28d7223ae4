// Drives examples/image/native-bench in --serve mode: one line per run, so the native runs
// interleave with the wasm and JavaScript ones inside compare() and share the same noise.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';

export interface NativeRun {
  ms: number;
  bytes: number;
}

export class NativeKernels {
  private readonly waiting: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  /** Times the child measured itself (without the pipe round trip), per task key. */
  readonly samples = new Map<string, number[]>();

  private constructor(private readonly child: ChildProcessWithoutNullStreams, private readonly lines: Interface) {
    lines.on('line', (line) => this.waiting.shift()?.resolve(line));
    child.on('exit', (code) => {
      for (const waiter of this.waiting.splice(0)) waiter.reject(new Error(`native-bench exited (${code})`));
    });
  }

  /**
   * With `rayonThreads: 1` (the default) the child is pinned to one core with taskset where it
   * exists, since jpeg-decoder starts helper threads natively (never in wasm): the comparison
   * is one core against one core. With more, it runs unpinned with a rayon pool of that size,
   * for the blur's rows across cores.
   */
  static async start(
    binary: string,
    photos: string[],
    settings: { maxSide: number; quality: number; sigma: number },
    options: { rayonThreads?: number } = {},
  ): Promise<NativeKernels> {
    const rayonThreads = options.rayonThreads ?? 1;
    const args = ['--serve', '--threads', String(rayonThreads), '--max-side', String(settings.maxSide), '--quality', String(settings.quality), '--sigma', String(settings.sigma), ...photos];
    const pinned = rayonThreads === 1 && spawnSync('taskset', ['--version']).status === 0;
    const child = pinned ? spawn('taskset', ['-c', '0', binary, ...args]) : spawn(binary, args);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const native = new NativeKernels(child, createInterface({ input: child.stdout }));
    const ready = await native.next();
    if (!ready.includes('ready')) throw new Error(`native-bench did not start: ${ready} ${stderr}`);
    native.pinned = pinned;
    native.rayonThreads = (JSON.parse(ready) as { threads: number }).threads;
    return native;
  }

  pinned = false;
  /** rayon's pool size, as the child reported it. */
  rayonThreads = 1;

  private next(): Promise<string> {
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  async run(task: 'thumbnail' | 'grayscale' | 'blur', photoIndex: number): Promise<NativeRun> {
    const reply = this.next();
    this.child.stdin.write(`${task} ${photoIndex}\n`);
    const parsed = JSON.parse(await reply) as Partial<NativeRun> & { error?: string };
    if (parsed.error !== undefined || parsed.ms === undefined) throw new Error(`native-bench: ${parsed.error ?? 'no time'}`);
    const key = `${task} ${photoIndex}`;
    const list = this.samples.get(key) ?? [];
    list.push(parsed.ms);
    this.samples.set(key, list);
    return parsed as NativeRun;
  }

  close(): void {
    this.lines.close();
    this.child.stdin.end();
  }
}
