// The registry of every error code offload can give, in one table (in the manner of Fastify's
// lib/errors.js): each row holds the classes that carry the code, the HTTP status it answers
// with when it reaches `offload serve`, and a one-line message that says what happened.
// Classes build their own detailed messages; servers, the CLI and the docs read this table,
// so a status or a meaning is never restated elsewhere. docs/errors.md documents every row,
// and test/error-registry.test.ts checks that every code in src/ is here and there.
//
// Codes never change once published: callers branch on them.

export interface ErrorRow {
  /** The error classes (by name) whose instances carry this code. */
  readonly classes: readonly string[];
  /** The status `offload serve` answers with; build-time codes never reach HTTP and say 500. */
  readonly status: number;
  /** What happened, in one line; the docs say what to do. */
  readonly message: string;
}

export const ERROR_CODES = {
  // ── A call into a loaded package (load()) or a program run (runProgram) ──
  ERR_OFFLOAD_BAD_ARGUMENT: {
    classes: ['OffloadBadArgumentError'],
    status: 400,
    message: 'an argument or option was not of the type or range the function takes',
  },
  ERR_OFFLOAD_GUEST_ERROR: {
    classes: ['OffloadGuestError'],
    status: 422,
    message: 'the Rust function returned Err(...): it understood the call and refused it',
  },
  ERR_OFFLOAD_TIMEOUT: {
    classes: ['OffloadTimeoutError', 'ProgramTimeoutError'],
    status: 504,
    message: 'the call or program ran past its time limit and was stopped',
  },
  ERR_OFFLOAD_TRAP: {
    classes: ['OffloadTrapError', 'ProgramTrapError'],
    status: 500,
    message: 'the WebAssembly code trapped (a Rust panic, unreachable, a stack overflow, a bad memory access)',
  },
  ERR_OFFLOAD_MEMORY: {
    classes: ['OffloadMemoryError', 'ProgramMemoryLimitError'],
    status: 500,
    message: 'the WebAssembly code needed more linear memory than its cap allows',
  },
  ERR_OFFLOAD_RESULT_TOO_LARGE: {
    classes: ['OffloadResultTooLargeError'],
    status: 500,
    message: 'the result was larger than maxResultMb and was dropped',
  },
  ERR_OFFLOAD_QUEUE_FULL: {
    classes: ['OffloadQueueFullError'],
    status: 503,
    message: 'maxQueue calls were already waiting, so the call was refused',
  },
  ERR_OFFLOAD_QUEUE_TIMEOUT: {
    classes: ['OffloadQueueTimeoutError'],
    status: 503,
    message: 'the call waited longer than queueTimeoutMs for a free thread and was not run',
  },
  ERR_OFFLOAD_CLOSED: {
    classes: ['OffloadClosedError', 'ProgramRunnerClosedError'],
    status: 503,
    message: 'the package handle or program runner was closed',
  },
  ERR_OFFLOAD_INSTANCE_LOST: {
    classes: ['OffloadInstanceLostError'],
    status: 500,
    message: 'the object a method was called on lived in an instance that was discarded',
  },
  ERR_OFFLOAD_WORKER_CRASHED: {
    classes: ['OffloadWorkerCrashedError'],
    status: 500,
    message: 'the worker thread running the call exited unexpectedly and was replaced',
  },
  ERR_OFFLOAD_LOAD: {
    classes: ['OffloadLoadError'],
    status: 500,
    message: 'the package could not be found, read or compiled',
  },
  ERR_OFFLOAD_ENGINE_FEATURE_MISSING: {
    classes: ['OffloadEngineFeatureError'],
    status: 500,
    message: 'load() was asked for a module variant (simdVariant) that uses a WebAssembly feature this engine lacks',
  },
  // ── WASI programs ──
  ERR_OFFLOAD_BAD_MODULE: {
    classes: ['BadModuleError'],
    status: 500,
    message: 'the bytes are not a WASI program offload can run',
  },
  ERR_OFFLOAD_ENGINE_MISSING: {
    classes: ['EngineMissingError'],
    status: 503,
    message: 'the engine asked for (WasmEdge) is not installed on this machine',
  },
  ERR_OFFLOAD_ENGINE_FAILED: {
    classes: ['EngineFailedError'],
    status: 500,
    message: 'the engine itself failed (crashed, or refused the module)',
  },
  ERR_OFFLOAD_INVALID_OPTIONS: {
    classes: ['InvalidProgramOptionsError'],
    status: 500,
    message: 'the options for a program run are invalid (a missing grant directory, a bad name)',
  },
  ERR_OFFLOAD_WAGI_RESPONSE: {
    classes: ['WagiResponseError'],
    status: 502,
    message: 'a WAGI program printed something that is not a CGI response',
  },
  // ── HTTP requests to offload serve ──
  ERR_OFFLOAD_BAD_REQUEST: {
    classes: ['OffloadHttpError'],
    status: 400,
    message: 'the request could not be read (malformed JSON, a bad header)',
  },
  ERR_OFFLOAD_NOT_FOUND: {
    classes: ['OffloadHttpError'],
    status: 404,
    message: 'no route has this path',
  },
  ERR_OFFLOAD_NOT_EXPORTED: {
    classes: ['OffloadHttpError'],
    status: 404,
    message: 'the package’s current build no longer exports this function',
  },
  ERR_OFFLOAD_METHOD_NOT_ALLOWED: {
    classes: ['OffloadHttpError'],
    status: 405,
    message: 'the path exists but does not answer this method',
  },
  ERR_OFFLOAD_BODY_TOO_LARGE: {
    classes: ['OffloadHttpError'],
    status: 413,
    message: 'the request body is larger than the function’s limit',
  },
  ERR_OFFLOAD_UNSUPPORTED_MEDIA_TYPE: {
    classes: ['OffloadHttpError'],
    status: 415,
    message: 'the body’s content-type is not one the function takes',
  },
  ERR_OFFLOAD_NOT_READY: {
    classes: ['OffloadHttpError'],
    status: 503,
    message: 'the package is still loading',
  },
  ERR_OFFLOAD_SHUTTING_DOWN: {
    classes: ['OffloadHttpError'],
    status: 503,
    message: 'the server is shutting down',
  },
  ERR_OFFLOAD_INTERNAL: {
    classes: ['OffloadHttpError'],
    status: 500,
    message: 'internal server error; the details are in the server log',
  },
  // ── offload build, new, setup (never reach HTTP) ──
  ERR_OFFLOAD_NOT_A_CRATE: { classes: ['NotACrateError'], status: 500, message: 'the folder has no Cargo.toml with a [package]' },
  ERR_OFFLOAD_NOT_CDYLIB: { classes: ['NotCdylibError'], status: 500, message: 'the library crate’s crate-type lacks "cdylib"' },
  ERR_OFFLOAD_NO_WASM_BINDGEN: {
    classes: ['NoWasmBindgenError'],
    status: 500,
    message: 'the library crate does not depend on wasm-bindgen',
  },
  ERR_OFFLOAD_WRONG_CRATE_KIND: {
    classes: ['WrongCrateKindError'],
    status: 500,
    message: 'a binary-only crate was given to the library build, or a library to the WASI build',
  },
  ERR_OFFLOAD_UNWRITABLE: {
    classes: ['UnwritableDirectoryError'],
    status: 500,
    message: 'the cargo target folder or the output folder cannot be written',
  },
  ERR_OFFLOAD_TOOLCHAIN_MISSING: {
    classes: ['ToolchainMissingError'],
    status: 500,
    message: 'no Rust toolchain on this machine can build for the wasm target',
  },
  ERR_OFFLOAD_COMPILE: { classes: ['CompileError'], status: 500, message: 'cargo or a tool after it failed' },
  ERR_OFFLOAD_LOCKFILE: {
    classes: ['LockfileError'],
    status: 500,
    message: 'the crate’s Cargo.lock does not name exactly one wasm-bindgen version',
  },
  ERR_OFFLOAD_INSTALL: { classes: ['InstallError'], status: 500, message: 'installing a tool (wasm-bindgen-cli, apt packages) failed' },
  ERR_OFFLOAD_INVALID_NAME: { classes: ['InvalidNameError'], status: 500, message: 'the name for a new crate is not a valid crate name' },
} as const satisfies Record<string, ErrorRow>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The HTTP status a code answers with. */
export function statusOf(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}
