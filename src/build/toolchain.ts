import { join } from 'node:path';
import { readAptList } from './apt-list.js';
import { exec, firstLine } from './exec.js';
import { ToolchainMissingError } from './errors.js';
import { pathExists } from './paths.js';

export type WasmTarget = 'wasm32-unknown-unknown' | 'wasm32-wasip1';
export const WASM_TARGETS: readonly WasmTarget[] = ['wasm32-unknown-unknown', 'wasm32-wasip1'];

/**
 * The Debian packages that, together, build std for wasm from source without rustup. They are
 * kept in scripts/packages/rust-debian.apt, which the provenance test reads as well.
 */
export const DEBIAN_PACKAGES: readonly string[] = readAptList('rust-debian.apt').packages;

/** A file Debian's route needs, relative to its prefix, and the package that ships it. */
export interface DebianFile {
  what: string;
  path: string;
  package: string;
  /** Needed only for WASI programs (wasm32-wasip1). */
  wasiOnly?: boolean;
}

/**
 * What the Debian route reads, one entry per file, so `offload doctor` can name the package
 * for each missing one and test/provenance.test.ts can prove `offload setup` installs them.
 */
export const DEBIAN_ROUTE_FILES: readonly DebianFile[] = [
  { what: 'rustc', path: 'bin/rustc', package: 'rustc-web' },
  { what: 'cargo', path: 'bin/cargo', package: 'cargo-web' },
  { what: "std's source", path: 'lib/rustlib/src/rust/library/std/Cargo.toml', package: 'rust-web-src' },
  // rustc links wasm with rust-lld, which rust-web-llvm makes as a link to lld-22's binary.
  { what: 'the wasm linker', path: 'bin/rust-lld', package: 'rust-web-llvm' },
  { what: 'the wasm linker', path: 'lib/llvm-22/bin/lld', package: 'lld-22' },
  { what: 'WASI libc', path: 'lib/wasm32-wasi/libc.a', package: 'wasi-libc', wasiOnly: true },
  { what: 'WASI libc', path: 'lib/wasm32-wasi/crt1-command.o', package: 'wasi-libc', wasiOnly: true },
];

export interface RustupProbe {
  version?: string;
  rustcVersion?: string;
  targets: WasmTarget[];
}

export interface DebianProbe {
  prefix: string;
  rustcVersion?: string;
  /** Files of DEBIAN_ROUTE_FILES that are not there (a dangling link counts as missing). */
  missing: DebianFile[];
}

export interface ToolchainProbe {
  rustup: RustupProbe;
  debian: DebianProbe;
  /** A cargo that builds for the host, used to install host tools such as wasm-bindgen-cli. */
  hostCargo?: string;
}

/** How to run cargo for one wasm target on this machine. */
export interface Route {
  kind: 'rustup' | 'debian';
  target: WasmTarget;
  cargo: string;
  rustcVersion: string;
  /** Arguments that go right after `cargo build`. */
  extraArgs: string[];
  /** Environment for cargo, given the rustflags the build wants on top of the route's own. */
  env(rustflags: string[]): NodeJS.ProcessEnv;
}


/**
 * Where Debian's rustc-web lives. OFFLOAD_DEBIAN_PREFIX exists for packagers who unpack it
 * elsewhere, and lets tests show `doctor` on a machine that lacks it.
 */
function debianPrefix(): string {
  return process.env.OFFLOAD_DEBIAN_PREFIX ?? '/usr';
}

async function probeRustup(): Promise<RustupProbe> {
  const version = await firstLine('rustup', ['--version']);
  if (!version) return { targets: [] };
  const [installed, rustcVersion] = await Promise.all([
    exec('rustup', ['target', 'list', '--installed'], { timeoutMs: 15_000 }),
    firstLine('rustc', ['--version']),
  ]);
  const names = installed.code === 0 ? installed.stdout.split('\n').map((line) => line.trim()) : [];
  return { version, rustcVersion, targets: WASM_TARGETS.filter((target) => names.includes(target)) };
}

async function probeDebian(): Promise<DebianProbe> {
  const prefix = debianPrefix();
  const rustc = join(prefix, 'bin', 'rustc');
  const [rustcVersion, present] = await Promise.all([
    (async () => ((await pathExists(rustc)) ? firstLine(rustc, ['--version']) : undefined))(),
    Promise.all(DEBIAN_ROUTE_FILES.map((file) => pathExists(join(prefix, file.path)))),
  ]);
  return { prefix, rustcVersion, missing: DEBIAN_ROUTE_FILES.filter((_, i) => !present[i]) };
}

export async function probeToolchain(): Promise<ToolchainProbe> {
  const [rustup, debian] = await Promise.all([probeRustup(), probeDebian()]);
  let hostCargo: string | undefined;
  // Any cargo can build host tools: rustup's, or Debian's cargo-web where rustup is absent.
  if (await firstLine('cargo', ['--version'])) hostCargo = 'cargo';
  else if (!debian.missing.some((file) => file.path === 'bin/cargo')) hostCargo = join(debian.prefix, 'bin', 'cargo');
  return { rustup, debian, hostCargo };
}

/** Whether Debian's route is complete for `target` (wasip1 also needs wasi-libc). */
export function debianReady(debian: DebianProbe, target: WasmTarget): boolean {
  const needed = debian.missing.filter((file) => target === 'wasm32-wasip1' || !file.wasiOnly);
  return Boolean(debian.rustcVersion) && needed.length === 0;
}

/**
 * The command that installs `packages` exactly as `offload setup` does: without Recommends,
 * which is why every package the route needs is named (test/provenance.test.ts proves it).
 */
export function aptInstallCommand(packages: readonly string[]): string {
  return `apt-get install -y --no-install-recommends ${packages.join(' ')}`;
}

/** The packages that bring what the Debian route lacks: a rustc that does not run counts too. */
export function debianMissingPackages(debian: DebianProbe): string[] {
  const packages = debian.missing.map((file) => file.package);
  if (!debian.rustcVersion) packages.unshift('rustc-web');
  return [...new Set(packages)];
}

function joinFlags(flags: string[]): string {
  // Keep whatever the user already asked for; ours come after so they can still be seen in logs.
  return [process.env.RUSTFLAGS ?? '', ...flags].filter(Boolean).join(' ');
}

/**
 * The route that builds `target` here: rustup when it has the target, else Debian's rustc-web.
 * OFFLOAD_RUST_ROUTE pins one route, for machines that have both and for testing each;
 * doctor passes `pinned` to ask about the route not taken.
 */
export function routeFor(probe: ToolchainProbe, target: WasmTarget, pinned = process.env.OFFLOAD_RUST_ROUTE): Route | undefined {
  if (pinned !== 'debian' && probe.rustup.targets.includes(target) && probe.rustup.rustcVersion) {
    return {
      kind: 'rustup',
      target,
      cargo: 'cargo',
      rustcVersion: probe.rustup.rustcVersion,
      extraArgs: [],
      env: (rustflags) => ({ ...process.env, RUSTFLAGS: joinFlags(rustflags) }),
    };
  }
  const debian = probe.debian;
  if (pinned === 'rustup' || !debianReady(debian, target) || !debian.rustcVersion) return undefined;
  const libDir = join(debian.prefix, 'lib', 'wasm32-wasi');
  // rustup cannot add wasm targets offline, so std is compiled from Debian's source package.
  // RUSTC_BOOTSTRAP unlocks -Zbuild-std on this stable compiler; wasi-libc stands in for
  // the self-contained libc that rustup's target would have shipped.
  const linkFlags =
    target === 'wasm32-wasip1'
      ? ['-C', 'link-self-contained=no', '-L', libDir, '-C', `link-arg=${join(libDir, 'crt1-command.o')}`]
      : [];
  return {
    kind: 'debian',
    target,
    cargo: join(debian.prefix, 'bin', 'cargo'),
    rustcVersion: debian.rustcVersion,
    extraArgs: ['-Zbuild-std=std,panic_abort'],
    env: (rustflags) => ({
      ...process.env,
      RUSTC: join(debian.prefix, 'bin', 'rustc'),
      RUSTC_BOOTSTRAP: '1',
      RUSTFLAGS: joinFlags([...linkFlags, ...rustflags]),
    }),
  };
}

/** Like routeFor, but says exactly how to get a route when there is none. */
export async function requireRoute(target: WasmTarget, probe?: ToolchainProbe): Promise<Route> {
  const found = probe ?? (await probeToolchain());
  const route = routeFor(found, target);
  if (route) return route;
  throw new ToolchainMissingError(
    `No Rust toolchain here can build for ${target}. Run \`offload setup\` ` +
      `(it runs \`rustup target add ${target}\` where rustup can download, otherwise ` +
      `\`${aptInstallCommand(DEBIAN_PACKAGES)}\`), then \`offload doctor\` to check.`,
  );
}
