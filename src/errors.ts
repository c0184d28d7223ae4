/**
 * The base of every error offload throws on purpose. `code` is stable across releases so
 * callers can branch on it; the message always says what to do next.
 */
export class OffloadError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}
