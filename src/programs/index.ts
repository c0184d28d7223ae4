/** offload's WASI programs: runProgram on V8 or WasmEdge, and the WAGI translation. */
export { runProgram } from './run-program.js';
export type { DirGrant, ProgramEngine, ProgramResult, RunProgramOptions } from './options.js';
export { configureV8Pool, closeV8Pool } from './v8-engine.js';
export { configureWasmEdgeConcurrency, prepareWasmEdge } from './wasmedge-engine.js';
export { locateWasmEdge, type WasmEdgeBinary } from './wasmedge-locate.js';
export { aotCacheDir } from './wasmedge-aot.js';
export { wagiRequestToOptions, wagiResponseFromResult, type WagiRequest, type WagiResponse } from './wagi.js';
export {
  OffloadProgramError,
  ProgramTimeoutError,
  ProgramMemoryLimitError,
  ProgramTrapError,
  BadModuleError,
  EngineMissingError,
  EngineFailedError,
  InvalidProgramOptionsError,
  WagiResponseError,
} from './errors.js';
