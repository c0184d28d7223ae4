// Graceful shutdown for a server run as a process (`offload serve`): on SIGTERM or SIGINT,
// stop accepting, let in-flight requests finish within the deadline, then exit: 0 when all
// finished, 1 when the deadline cut some short (so a supervisor can tell).

import type { OffloadServer } from './server.js';

/** How long a shutdown waits for in-flight requests unless told otherwise. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

export function exitOnSignals(server: OffloadServer, deadlineMs: number, exit: (code: number) => void = (code) => process.exit(code)): () => void {
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (shuttingDown) {
      server.app.log.warn({ signal }, 'already shutting down; waiting for in-flight requests');
      return;
    }
    shuttingDown = true;
    server.app.log.info({ signal, deadlineMs }, 'shutting down: no new connections, finishing in-flight requests');
    server.close(deadlineMs).then(
      (drained) => {
        server.app.log.info({ drained }, 'shut down');
        exit(drained ? 0 : 1);
      },
      (error: unknown) => {
        server.app.log.error({ err: error }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}
