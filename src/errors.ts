import { ERROR_CODES, type ErrorCode } from './error-codes.js';

export { ERROR_CODES, type ErrorCode } from './error-codes.js';

/**
 * The base of every error offload throws on purpose. `code` is stable across releases so
 * callers can branch on it; the message always says what to do next. What each code means,
 * and the HTTP status it answers with, live in one table: error-codes.ts.
 */
export class OffloadError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  /** The HTTP status this error answers with when it reaches `offload serve`. */
  get statusCode(): number {
    return ERROR_CODES[this.code].status;
  }
}
