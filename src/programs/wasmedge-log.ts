/**
 * WasmEdge reports failures through spdlog on its *stdout*, mixed with the guest's output:
 * `[2026-01-01 12:00:00.000] [error] execution failed: unreachable, Code: 0x40a`. A line may
 * follow guest output that had no trailing newline, so matches are not anchored to a line
 * start. Only runs that failed (non-zero status) are scanned, so a successful program's
 * output is never altered.
 */
const ENGINE_LOG_LINE = /\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\] \[(trace|debug|info|warning|error|critical)\] ([^\n]*)(\n|$)/g;

/** Split a stream into the guest's own bytes and WasmEdge's log lines. */
export function splitEngineLog(stream: Buffer): { guest: Buffer; log: string[] } {
  const text = stream.toString('latin1'); // byte-preserving, so offsets map back to bytes
  const log: string[] = [];
  const kept: Buffer[] = [];
  let last = 0;
  for (const m of text.matchAll(ENGINE_LOG_LINE)) {
    kept.push(stream.subarray(last, m.index));
    log.push(`[${m[1]}] ${Buffer.from(m[2]!, 'latin1').toString('utf8')}`);
    last = m.index! + m[0].length;
  }
  kept.push(stream.subarray(last));
  return { guest: Buffer.concat(kept), log };
}
