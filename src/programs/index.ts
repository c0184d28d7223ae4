/** offload's WASI programs: a runner for V8 or WasmEdge (and runProgram, its one-shot form), and the WAGI translation. */
export { createProgramRunner, type ProgramRunner, type ProgramRunnerOptions } from './program-runner.js';
export { runProgram } from './run-program.js';
export type { DirGrant, ProgramEngine, ProgramResult, RunProgramOptions } from './options.js';
export type { PreparedWasmEdge } from './wasmedge-engine.js';
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
  ProgramRunnerClosedError,
} from './errors.js';
