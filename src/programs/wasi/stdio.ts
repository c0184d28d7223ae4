/**
 * The guest's stdio: stdin is a buffer read from the front, stdout and stderr are collected
 * up to a cap. Like pipes, none of them seeks.
 */
export type OutputStream = 'stdout' | 'stderr';

export class Stdio {
  readonly stdout: Buffer[] = [];
  readonly stderr: Buffer[] = [];
  private readonly written = { stdout: 0, stderr: 0 };
  private stdinOffset = 0;

  /** Output beyond `maxOutputBytes` per stream is dropped (the guest sees a short write). */
  constructor(private readonly stdin: Uint8Array, private readonly maxOutputBytes: number) {}

  /** Fill `bufs` in order from what is left of stdin; returns the bytes read. */
  read(bufs: Uint8Array[]): number {
    let total = 0;
    for (const b of bufs) {
      const chunk = this.stdin.subarray(this.stdinOffset, this.stdinOffset + b.length);
      b.set(chunk);
      this.stdinOffset += chunk.length;
      total += chunk.length;
      if (chunk.length < b.length) break;
    }
    return total;
  }

  /** Keep what fits under the cap; the guest is told everything was written. */
  write(stream: OutputStream, chunk: Uint8Array): number {
    const room = this.maxOutputBytes - this.written[stream];
    const taken = Math.max(0, Math.min(room, chunk.length));
    if (taken > 0) {
      this.written[stream] += taken;
      this[stream].push(Buffer.from(chunk.subarray(0, taken)));
    }
    return chunk.length;
  }
}
