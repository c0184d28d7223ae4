/**
 * Stdio for an engine child process that looks to the guest like a shell's: stdin, stdout and
 * stderr are real pipes (FIFOs). Node's `stdio: 'pipe'` gives UNIX socket pairs instead, and a
 * guest can tell: `shutdown(STDOUT_FILENO)` succeeds on a socket where it must fail with
 * ENOTSOCK. (A regular file will not do for stdin either: WasmEdge polls it with epoll, which
 * refuses regular files.)
 */
import { execFile } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface ChildStdio {
  /** Descriptors for spawn's `stdio` option; release() closes the parent's copies. */
  fds: [number, number, number];
  /** Write the guest's stdin here, then end it. */
  stdin: Socket;
  stdout: Socket;
  stderr: Socket;
  /** Close the parent's copies of the child's ends, once the child has them (after spawn). */
  release(): void;
  /** Resolves when both output pipes have reached end-of-file. */
  drained: Promise<void>;
}

const mkfifo = promisify(execFile);

export async function childStdio(stdin: Uint8Array): Promise<ChildStdio> {
  const dir = mkdtempSync(join(tmpdir(), 'offload-stdio-'));
  const childEnds: number[] = [];
  try {
    await mkfifo('mkfifo', ['-m', '600', join(dir, 'stdin'), join(dir, 'stdout'), join(dir, 'stderr')]);
    // Each open() is its own file description with its own flags, so the child's ends stay
    // blocking while the parent's are non-blocking. A FIFO opens for writing only once it
    // has a reader, hence the short-lived placeholder reader.
    const placeholder = openSync(join(dir, 'stdin'), constants.O_RDONLY | constants.O_NONBLOCK);
    const stdinWriteFd = openSync(join(dir, 'stdin'), constants.O_WRONLY | constants.O_NONBLOCK);
    childEnds.push(openSync(join(dir, 'stdin'), constants.O_RDONLY));
    closeSync(placeholder);
    const stdinStream = new Socket({ fd: stdinWriteFd, readable: false, writable: true });
    // A program that exits without reading its stdin closes the pipe: not an error.
    stdinStream.on('error', () => {});
    stdinStream.end(stdin);
    const streams = (['stdout', 'stderr'] as const).map((name) => {
      // The read end first, non-blocking, so the write end's open does not wait for a reader.
      const readFd = openSync(join(dir, name), constants.O_RDONLY | constants.O_NONBLOCK);
      childEnds.push(openSync(join(dir, name), constants.O_WRONLY));
      return new Socket({ fd: readFd, readable: true, writable: false });
    });
    const [stdout, stderr] = streams as [Socket, Socket];
    const ended = (s: Socket) => new Promise<void>((resolve) => s.once('close', () => resolve()));
    return {
      fds: childEnds as [number, number, number],
      stdin: stdinStream,
      stdout,
      stderr,
      release: () => {
        for (const fd of childEnds.splice(0)) closeSync(fd);
      },
      drained: Promise.all([ended(stdout), ended(stderr)]).then(() => undefined),
    };
  } catch (e) {
    for (const fd of childEnds) closeSync(fd);
    throw e;
  } finally {
    // Open descriptors keep the FIFOs and the file alive; the names are no longer needed.
    rmSync(dir, { recursive: true, force: true });
  }
}
