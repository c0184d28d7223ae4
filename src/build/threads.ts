// What a threaded build (`offload build --threads`) adds to cargo, so every route and
// every check (build, setup, doctor) agrees on one list of flags.
import { join } from 'node:path';
import { exec } from './exec.js';
import { pathExists } from './paths.js';
import type { Reporter } from './progress.js';
import type { Route } from './toolchain.js';

/** The largest shared memory a threaded module may grow to: 1 GiB, wasm-bindgen-rayon's advice. */
export const THREADED_MAX_MEMORY_BYTES = 1 << 30;

/**
 * rustc flags for wasm threads: atomics make std's locks real, the memory is imported and
 * shared so every helper thread instantiates the same module over it, and the TLS symbols
 * are exported because wasm-bindgen's glue sets up each thread's thread-locals with them.
 */
export function threadRustflags(): string[] {
  const linkArgs = [
    '--shared-memory',
    `--max-memory=${THREADED_MAX_MEMORY_BYTES}`,
    '--import-memory',
    '--export=__wasm_init_tls',
    '--export=__tls_size',
    '--export=__tls_align',
    '--export=__tls_base',
  ];
  return ['-C', 'target-feature=+atomics,+bulk-memory,+mutable-globals', ...linkArgs.flatMap((arg) => ['-C', `link-arg=${arg}`])];
}

/** `-Zbuild-std`: the prebuilt std has no atomics, so it is compiled again with them. */
export const BUILD_STD_ARG = '-Zbuild-std=panic_abort,std';

/** The route, changed to build std with atomics: Debian's already does, rustup's needs rust-src. */
export function threadedRoute(route: Route): Route {
  const extraArgs = route.extraArgs.some((arg) => arg.startsWith('-Zbuild-std')) ? route.extraArgs : [...route.extraArgs, BUILD_STD_ARG];
  return {
    ...route,
    extraArgs,
    // RUSTC_BOOTSTRAP unlocks -Zbuild-std and the atomics target feature on a stable rustc.
    env: (rustflags) => ({ ...route.env([...threadRustflags(), ...rustflags]), RUSTC_BOOTSTRAP: '1' }),
  };
}

/**
 * Where the rustup toolchain's standard library source would be, if the `rust-src`
 * component is installed: `-Zbuild-std` needs it. Undefined when rustup has no sysroot.
 */
export async function rustupRustSrc(): Promise<{ sysroot: string; present: boolean } | undefined> {
  const result = await exec('rustc', ['--print', 'sysroot'], { timeoutMs: 15_000 }).catch(() => undefined);
  const sysroot = result?.code === 0 ? result.stdout.trim() : '';
  if (!sysroot) return undefined;
  const present = await pathExists(join(sysroot, 'lib', 'rustlib', 'src', 'rust', 'library', 'std', 'Cargo.toml'));
  return { sysroot, present };
}

/** Whether this machine can build `--threads`, and what to run when not, for `offload doctor`. */
export async function threadsBuildable(route: Route | undefined): Promise<{ ok: boolean; detail: string; fix?: string }> {
  if (!route) return { ok: false, detail: 'no route builds wasm32-unknown-unknown', fix: 'offload setup' };
  // Debian's route compiles std from its own source package for every build already.
  if (route.kind === 'debian') return { ok: true, detail: 'via debian (std is always built from source there)' };
  const src = await rustupRustSrc();
  if (src?.present) return { ok: true, detail: `via rustup, rust-src in ${src.sysroot}` };
  return { ok: false, detail: 'rustup lacks the rust-src component, which -Zbuild-std compiles', fix: 'offload setup (runs rustup component add rust-src)' };
}

/**
 * Adds rustup's rust-src component when rustup builds the wasm target, so `--threads` works.
 * Threads are optional: a failure is reported and setup goes on.
 */
export async function ensureRustSrc(route: Route | undefined, reporter: Reporter): Promise<void> {
  if (route?.kind !== 'rustup' || (await rustupRustSrc())?.present) return;
  const step = reporter.step('rustup component add rust-src (for offload build --threads)');
  const result = await exec('rustup', ['component', 'add', 'rust-src'], { stderr: 'inherit', timeoutMs: 300_000 });
  if (result.code === 0) step.done();
  else step.fail('rustup could not add rust-src; --threads builds need it (or the Debian route)');
}
