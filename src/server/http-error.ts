// An error the server itself raises about a request (as opposed to one the runtime raised
// about a call). Its status comes from the error registry, like every other code's.

import { OffloadError, type ErrorCode } from '../errors.js';

export class OffloadHttpError extends OffloadError {
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, headers: Record<string, string> = {}) {
    super(code, message);
    this.headers = headers;
  }

  /** The JSON body every error answer carries. */
  body(): { statusCode: number; code: ErrorCode; message: string } {
    return { statusCode: this.statusCode, code: this.code, message: this.message };
  }
}
