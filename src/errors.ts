import { ERROR_CODES, type ErrorCode } from './error-codes.js';

export { ERROR_CODES, type ErrorCode } from './error-codes.js';

/**
 * The base of every error offload throws on purpose. `code` is stable across releases so
 * callers can branch on it; the message always says what to do next. What each code means,
 * and the HTTP status it answers with, live in one table: error-codes.ts.
 */
export class OffloadError extends Error {
  readonly code: ErrorCode;
  /**
   * The HTTP status this error answers with when it reaches `offload serve`. A plain field, not
   * a getter: Fastify assigns `statusCode` to errors that pass through its validation.
   */
  readonly statusCode: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.statusCode = ERROR_CODES[code].status;
    this.name = new.target.name;
  }
}
