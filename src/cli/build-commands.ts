import type { Command } from 'commander';
import { buildPackage } from '../build/build.js';
import { formatDoctor, runDoctor, type DoctorCheck } from '../build/doctor.js';
import { consoleReporter } from '../build/progress.js';
import { scaffoldCrate } from '../build/scaffold.js';
import { runSetup } from '../build/setup.js';

interface BuildFlags {
  target: 'library' | 'wasi';
  simd: boolean;
  threads?: boolean;
  relaxedSimd?: boolean;
  optSize?: boolean;
  outDir?: string;
  targetDir?: string;
  force?: boolean;
}

/** `doctor`, `setup`, `build` and `new`: everything that turns Rust into a package. */
export function registerBuildCommands(program: Command, doctorChecks: DoctorCheck[]): void {
  program
    .command('doctor')
    .description('show which toolchain pieces are present and what to run for missing ones')
    .action(async () => {
      const report = await runDoctor(doctorChecks);
      process.stdout.write(`${formatDoctor(report)}\n`);
      process.exitCode = report.canBuild ? 0 : 1;
    });

  program
    .command('setup')
    .description('install what building needs (rustup targets, or Debian rustc-web when rustup cannot)')
    .option('--route <route>', 'set up this route even if another one works: rustup or debian')
    .action(async (flags: { route?: string }) => {
      if (flags.route !== undefined && flags.route !== 'rustup' && flags.route !== 'debian') {
        program.error(`--route must be "rustup" or "debian", not "${flags.route}"`);
      }
      await runSetup(consoleReporter(), { route: flags.route });
    });

  program
    .command('build')
    .description('build a Rust crate into pkg/: optimised .wasm, JS glue, .d.ts, offload.json')
    .argument('[crate-dir]', 'the crate folder', '.')
    .option('--target <kind>', 'library (wasm-bindgen) or wasi (a program with fn main)', 'library')
    .option('--no-simd', 'build without WebAssembly SIMD128')
    .option('--threads', 'shared memory and atomics, for rayon through wasm-bindgen-rayon (docs/parallel.md)')
    .option('--relaxed-simd', 'also build a relaxed-SIMD module, which load() picks where the engine has relaxed SIMD (docs/parallel.md)')
    .option('--opt-size', 'optimise for size (wasm-opt -Oz) instead of speed (-O3)')
    .option('--out-dir <dir>', 'output folder (default: <crate>/pkg)')
    .option('--target-dir <dir>', 'cargo target folder')
    .option('--force', 'rebuild even when nothing changed')
    .action(async (crateDir: string, flags: BuildFlags) => {
      if (flags.target !== 'library' && flags.target !== 'wasi') {
        program.error(`--target must be "library" or "wasi", not "${flags.target}"`);
      }
      await buildPackage(crateDir, {
        target: flags.target,
        simd: flags.simd,
        threads: flags.threads,
        relaxedSimd: flags.relaxedSimd,
        optLevel: flags.optSize ? 'size' : 'speed',
        outDir: flags.outDir,
        targetDir: flags.targetDir,
        force: flags.force,
      });
    });

  program
    .command('new')
    .description('create a Rust crate ready for offload build, with a TypeScript file that calls it')
    .argument('<name>', 'the crate name (and folder)')
    .action(async (name: string) => {
      const { dir } = await scaffoldCrate(name);
      process.stdout.write(`Created ${dir}\nNext:\n  cd ${name}\n  offload build\n  node --import tsx index.ts\n`);
    });
}
