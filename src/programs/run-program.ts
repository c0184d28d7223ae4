/** runProgram: one WASI program run on the chosen engine, with explicit capabilities. */
import type { ProgramResult, RunProgramOptions } from './options.js';
import { createProgramRunner } from './program-runner.js';

/**
 * A one-shot convenience: create a runner, run `wasm` once, close the runner. Each call
 * starts its own worker thread or process and leaves nothing behind. To run many programs,
 * use createProgramRunner(), which reuses workers and bounds how many run at once.
 */
export async function runProgram(wasm: Uint8Array | ArrayBuffer, options: RunProgramOptions = {}): Promise<ProgramResult> {
  const runner = createProgramRunner({ v8Threads: 1, wasmedgeProcesses: 1 });
  try {
    return await runner.run(wasm, options);
  } finally {
    await runner.close();
  }
}
