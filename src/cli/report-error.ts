import { OffloadError } from '../errors.js';

/**
 * Prints an error the way users should see it: offload's own errors as their code and the
 * message that says what to do; anything unexpected with its stack, since that is a bug.
 */
export function reportError(error: unknown): number {
  if (error instanceof OffloadError) {
    process.stderr.write(`error[${error.code}]: ${error.message}\n`);
  } else {
    process.stderr.write(`offload crashed; please report this:\n${(error as Error)?.stack ?? String(error)}\n`);
  }
  return 1;
}
