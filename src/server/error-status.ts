// Every failure becomes one HTTP answer: a status a client can act on, a JSON body with the
// stable error code, and never a host stack trace. Statuses come from the error registry
// (src/error-codes.ts); the tests provoke each row that can reach HTTP.

import { ERROR_CODES, OffloadError, type ErrorCode } from '../errors.js';
import { OffloadTrapError } from '../runtime/index.js';
import { OffloadHttpError } from './http-error.js';

export interface ErrorAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: ErrorBody;
}

export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  message: string;
  function?: string;
  panicMessage?: string;
}

/** Seconds a client should wait after a 503; a queue drains within a few calls' time. */
export const RETRY_AFTER_SECONDS = 1;

/** Fastify's own client errors (body too large, bad JSON, failed validation, ...). */
interface FastifyLikeError {
  statusCode?: number;
  message: string;
  validation?: unknown;
}

export function answerFor(error: unknown): ErrorAnswer {
  if (error instanceof OffloadError) {
    const result = errorAnswer(error.code, error.message, error instanceof OffloadHttpError ? error.headers : {});
    const fn = (error as { function?: unknown }).function;
    if (typeof fn === 'string') result.body.function = fn;
    if (error instanceof OffloadTrapError && error.panicMessage !== undefined) result.body.panicMessage = error.panicMessage;
    return result;
  }
  const candidate = error as FastifyLikeError;
  if (candidate && typeof candidate.statusCode === 'number' && candidate.statusCode >= 400 && candidate.statusCode < 500) {
    return errorAnswer(clientErrorCode(candidate), candidate.message);
  }
  // Anything else is a bug on the server side: say so without leaking its details.
  return errorAnswer('ERR_OFFLOAD_INTERNAL', `${ERROR_CODES.ERR_OFFLOAD_INTERNAL.message}.`);
}

/** The answer for a code: its registry status, and Retry-After on every 503. */
export function errorAnswer(code: ErrorCode, message: string, headers: Record<string, string> = {}): ErrorAnswer {
  const statusCode = ERROR_CODES[code].status;
  const withRetry = statusCode === 503 ? { 'retry-after': String(RETRY_AFTER_SECONDS), ...headers } : headers;
  return { statusCode, headers: withRetry, body: { statusCode, code, message } };
}

function clientErrorCode(error: FastifyLikeError): ErrorCode {
  if (error.validation) return 'ERR_OFFLOAD_BAD_ARGUMENT';
  if (error.statusCode === 413) return 'ERR_OFFLOAD_BODY_TOO_LARGE';
  if (error.statusCode === 415) return 'ERR_OFFLOAD_UNSUPPORTED_MEDIA_TYPE';
  return 'ERR_OFFLOAD_BAD_REQUEST';
}
