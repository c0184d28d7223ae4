import { exec } from './exec.js';
import { CompileError } from './errors.js';
import type { Reporter } from './progress.js';
import { threadedRoute } from './threads.js';
import type { Route } from './toolchain.js';

export interface CargoBuildOptions {
  manifestPath: string;
  route: Route;
  simd: boolean;
  /** Shared memory and atomics, std rebuilt for them (see threads.ts). */
  threads?: boolean;
  /** Relaxed SIMD on top of SIMD128, for the twin module of `--relaxed-simd` (see relaxed-simd.ts). */
  relaxedSimd?: boolean;
  targetDir?: string;
  /** 'cdylib' for libraries, 'bin' for WASI programs. */
  artifactKind: 'cdylib' | 'bin';
}

interface CargoMessage {
  reason?: string;
  manifest_path?: string;
  target?: { kind?: string[]; name?: string };
  filenames?: string[];
  executable?: string | null;
}

export interface CargoArtifact {
  name: string;
  wasmPath: string;
}

/**
 * Runs `cargo build --release` for the route's wasm target. Diagnostics go to the user's
 * terminal exactly as cargo renders them; only the machine-readable artifact list is read here.
 */
export async function cargoBuild(options: CargoBuildOptions, reporter: Reporter): Promise<CargoArtifact[]> {
  const route = options.threads ? threadedRoute(options.route) : options.route;
  const rustflags = options.relaxedSimd ? ['-C', 'target-feature=+simd128,+relaxed-simd'] : options.simd ? ['-C', 'target-feature=+simd128'] : [];
  const args = [
    'build',
    '--release',
    '--target',
    route.target,
    '--manifest-path',
    options.manifestPath,
    '--message-format=json-render-diagnostics',
    ...route.extraArgs,
  ];
  if (options.targetDir) args.push('--target-dir', options.targetDir);
  const artifacts: CargoArtifact[] = [];
  const variant = options.relaxedSimd ? ' +relaxed-simd' : '';
  const title =
    route.kind === 'debian' || options.threads
      ? `cargo build --release --target ${route.target}${variant} (std is compiled from source the first time, ~30 s)`
      : `cargo build --release --target ${route.target}${variant}`;
  const step = reporter.step(title);
  const result = await exec(route.cargo, args, {
    env: route.env(rustflags),
    stderr: reporter.quiet ? 'pipe' : 'inherit',
    onStdoutLine: (line) => {
      if (!line.startsWith('{')) return;
      const message = JSON.parse(line) as CargoMessage;
      if (message.reason !== 'compiler-artifact' || message.manifest_path !== options.manifestPath) return;
      if (!message.target?.kind?.includes(options.artifactKind)) return;
      const wasm = message.filenames?.find((file) => file.endsWith('.wasm'));
      if (wasm && message.target.name) artifacts.push({ name: message.target.name, wasmPath: wasm });
    },
  });
  if (result.code !== 0) {
    step.fail(`exit code ${result.code}`);
    throw new CompileError(
      reporter.quiet
        ? `cargo build failed for ${options.manifestPath}:\n${result.stderr.trim()}`
        : `cargo build failed for ${options.manifestPath}; the compiler's messages are above.`,
    );
  }
  step.done();
  if (artifacts.length === 0) {
    throw new CompileError(`cargo built ${options.manifestPath} but produced no ${options.artifactKind} .wasm.`);
  }
  return artifacts;
}
