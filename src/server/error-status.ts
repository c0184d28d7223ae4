// Every failure becomes one HTTP answer: a status a client can act on, a JSON body with the
// stable error code, and never a host stack trace. The table is the contract; the tests
// provoke each row.

import { OffloadCallError, OffloadTrapError, type OffloadErrorCode } from '../runtime/index.js';
import { OffloadProgramError } from '../programs/index.js';
import { HttpError } from './http-error.js';

export interface ErrorAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: ErrorBody;
}

export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  function?: string;
  panicMessage?: string;
}

/** Seconds a client should wait after a 503; a queue drains within a few calls' time. */
export const RETRY_AFTER_SECONDS = 1;

// Named here as well as in the runtime's union, so this table compiles on either side of the
// runtime change that adds queue timeouts.
type CallErrorCode = OffloadErrorCode | 'ERR_OFFLOAD_QUEUE_TIMEOUT';

const STATUS_BY_CODE: Record<CallErrorCode, number> = {
  ERR_OFFLOAD_BAD_ARGUMENT: 400,
  // The guest returned Err(...): the request was understood but the function refused it.
  ERR_OFFLOAD_GUEST_ERROR: 422,
  ERR_OFFLOAD_TRAP: 500,
  ERR_OFFLOAD_MEMORY: 500,
  ERR_OFFLOAD_RESULT_TOO_LARGE: 500,
  ERR_OFFLOAD_INSTANCE_LOST: 500,
  ERR_OFFLOAD_WORKER_CRASHED: 500,
  ERR_OFFLOAD_LOAD: 500,
  ERR_OFFLOAD_QUEUE_FULL: 503,
  // Waited longer than --queue-timeout-ms for a thread: refused like a full queue.
  ERR_OFFLOAD_QUEUE_TIMEOUT: 503,
  // Closed only while the server shuts down or swaps a build: try again shortly.
  ERR_OFFLOAD_CLOSED: 503,
  ERR_OFFLOAD_TIMEOUT: 504,
};

/** WAGI programs: as a CGI gateway, a program that fails to answer properly is a 502. */
const PROGRAM_STATUS_BY_CODE: Record<string, number> = {
  ERR_OFFLOAD_TIMEOUT: 504,
  ERR_OFFLOAD_WAGI_RESPONSE: 502,
  ERR_OFFLOAD_ENGINE_MISSING: 503,
};

/** Fastify's own client errors that carry a useful status (body too large, bad JSON, ...). */
interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message: string;
  validation?: unknown;
}

export function answerFor(error: unknown): ErrorAnswer {
  if (error instanceof HttpError) {
    return answer(error.statusCode, error.code, error.message, error.headers);
  }
  if (error instanceof OffloadCallError) {
    const statusCode = STATUS_BY_CODE[error.code] ?? 500;
    const headers: Record<string, string> = statusCode === 503 ? { 'retry-after': String(RETRY_AFTER_SECONDS) } : {};
    const result = answer(statusCode, error.code, error.message, headers);
    if (error.function !== undefined) result.body.function = error.function;
    if (error instanceof OffloadTrapError && error.panicMessage !== undefined) result.body.panicMessage = error.panicMessage;
    return result;
  }
  if (error instanceof OffloadProgramError) {
    const statusCode = PROGRAM_STATUS_BY_CODE[error.code] ?? 500;
    return answer(statusCode, error.code, error.message, statusCode === 503 ? { 'retry-after': String(RETRY_AFTER_SECONDS) } : {});
  }
  const candidate = error as FastifyLikeError;
  if (candidate && typeof candidate.statusCode === 'number' && candidate.statusCode >= 400 && candidate.statusCode < 500) {
    const code = candidate.validation ? 'ERR_OFFLOAD_BAD_ARGUMENT' : (candidate.code ?? 'ERR_BAD_REQUEST');
    return answer(candidate.statusCode, code, candidate.message);
  }
  // Anything else is a bug on the server side: say so without leaking its details.
  return answer(500, 'ERR_OFFLOAD_INTERNAL', 'internal server error; the details are in the server log.');
}

function answer(statusCode: number, code: string, message: string, headers: Record<string, string> = {}): ErrorAnswer {
  return { statusCode, headers, body: { statusCode, code, message } };
}
