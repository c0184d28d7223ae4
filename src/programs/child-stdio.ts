/**
 * Stdio for an engine child process that looks to the guest like a shell's: stdin, stdout and
 * stderr are real pipes (FIFOs). Node's `stdio: 'pipe'` gives UNIX socket pairs instead, and a
 * guest can tell: `shutdown(STDOUT_FILENO)` succeeds on a socket where it must fail with
 * ENOTSOCK. (A regular file will not do for stdin either: WasmEdge polls it with epoll, which
 * refuses regular files.)
 *
 * Node cannot make a pipe, so the FIFOs come from `mkfifo`, a process spawn that costs a few
 * milliseconds; each set is therefore kept and reused by one run at a time.
 */
import { execFile } from 'node:child_process';
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface ChildStdio {
  /** Descriptors for spawn's `stdio` option; release() closes the parent's copies. */
  fds: [number, number, number];
  /** The guest's stdin is written here and ended. */
  stdin: Socket;
  stdout: Socket;
  stderr: Socket;
  /** Close the parent's copies of the child's ends, once the child has them (after spawn). */
  release(): void;
  /** Resolves when both output pipes have reached end-of-file. */
  drained: Promise<void>;
  /**
   * Give the FIFOs back for another run. Only once nothing can hold them open any more: the
   * child has exited and `drained` has resolved. Skipping it is safe, only slower.
   */
  recycle(): void;
  /** Close everything without running a child: for a run called off before its spawn. */
  discard(): void;
}

const mkfifo = promisify(execFile);
const STREAMS = ['stdin', 'stdout', 'stderr'] as const;

/** Folders of three idle FIFOs, private to this process (mode 0700 and 0600). */
const idle: string[] = [];
let home: string | undefined;
let made = 0;

async function takeFifos(): Promise<string> {
  const reused = idle.pop();
  if (reused) return reused;
  if (!home) {
    const dir = mkdtempSync(join(tmpdir(), 'offload-stdio-'));
    home = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  const dir = join(home, String(made++));
  mkdirSync(dir, { mode: 0o700 });
  await mkfifo('mkfifo', ['-m', '600', ...STREAMS.map((name) => join(dir, name))]);
  return dir;
}

export async function childStdio(input: Uint8Array): Promise<ChildStdio> {
  const dir = await takeFifos();
  const path = (name: (typeof STREAMS)[number]) => join(dir, name);
  const childEnds: number[] = [];
  const sockets: Socket[] = [];
  try {
    // Each open() is its own file description with its own flags, so the child's ends stay
    // blocking while the parent's are non-blocking. A FIFO opens for writing only once it
    // has a reader, hence the read end first (and, for stdin, a short-lived placeholder).
    const placeholder = openSync(path('stdin'), constants.O_RDONLY | constants.O_NONBLOCK);
    const stdinWriteFd = openSync(path('stdin'), constants.O_WRONLY | constants.O_NONBLOCK);
    childEnds.push(openSync(path('stdin'), constants.O_RDONLY));
    closeSync(placeholder);
    const stdin = new Socket({ fd: stdinWriteFd, readable: false, writable: true });
    sockets.push(stdin);
    for (const name of ['stdout', 'stderr'] as const) {
      const readFd = openSync(path(name), constants.O_RDONLY | constants.O_NONBLOCK);
      childEnds.push(openSync(path(name), constants.O_WRONLY));
      sockets.push(new Socket({ fd: readFd, readable: true, writable: false }));
    }
    const [, stdout, stderr] = sockets as [Socket, Socket, Socket];
    const closed = (s: Socket) => new Promise<void>((resolve) => s.once('close', () => resolve()));
    const stdinClosed = closed(stdin);
    // A program that exits without reading its stdin closes the pipe: not an error.
    stdin.on('error', () => {});
    stdin.end(input);
    return {
      fds: childEnds as [number, number, number],
      stdin,
      stdout,
      stderr,
      release: () => {
        for (const fd of childEnds.splice(0)) closeSync(fd);
      },
      drained: Promise.all([closed(stdout), closed(stderr)]).then(() => undefined),
      recycle: () => {
        // Our stdin end may still be flushing (or failing) after the child is gone.
        stdin.destroy();
        void stdinClosed.then(() => idle.push(dir));
      },
      discard: () => {
        for (const fd of childEnds.splice(0)) closeSync(fd);
        for (const s of sockets) s.destroy();
      },
    };
  } catch (e) {
    for (const fd of childEnds) closeSync(fd);
    for (const s of sockets) s.destroy();
    throw e;
  }
}
