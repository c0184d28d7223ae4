#!/usr/bin/env node
import { Command } from 'commander';
import { OFFLOAD_VERSION } from '../version.js';
import { wasmEdgeDoctorRow } from '../programs/doctor-check.js';
import { registerBuildCommands } from './build-commands.js';
import { registerRunCommand } from './run-command.js';
import { registerServeCommand } from './serve-command.js';
import { reportError } from './report-error.js';

const program = new Command('offload')
  .description('Rust compiled to WebAssembly, called from Node.js: typed, pooled, sandboxed, served')
  .version(OFFLOAD_VERSION);

registerBuildCommands(program, [wasmEdgeDoctorRow]);
registerRunCommand(program);
registerServeCommand(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.exitCode = reportError(error);
});
