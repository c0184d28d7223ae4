import { join } from 'node:path';
import { exec, firstLine } from './exec.js';
import { ToolchainMissingError } from './errors.js';
import { pathExists } from './paths.js';

export type WasmTarget = 'wasm32-unknown-unknown' | 'wasm32-wasip1';
export const WASM_TARGETS: readonly WasmTarget[] = ['wasm32-unknown-unknown', 'wasm32-wasip1'];

/** The Debian packages that, together, build std for wasm from source without rustup. */
export const DEBIAN_PACKAGES = ['rustc-web', 'cargo-web', 'rust-web-src', 'lld-22', 'wasi-libc'] as const;

export interface RustupProbe {
  version?: string;
  rustcVersion?: string;
  targets: WasmTarget[];
}

export interface DebianProbe {
  prefix: string;
  rustcVersion?: string;
  cargo: boolean;
  stdSource: boolean;
  linker: boolean;
  wasiLibc: boolean;
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
  const [rustcVersion, cargo, stdSource, linker, wasiLibc] = await Promise.all([
    (async () => ((await pathExists(rustc)) ? firstLine(rustc, ['--version']) : undefined))(),
    pathExists(join(prefix, 'bin', 'cargo')),
    pathExists(join(prefix, 'lib', 'rustlib', 'src', 'rust', 'library', 'std', 'Cargo.toml')),
    pathExists(join(prefix, 'bin', 'rust-lld')),
    pathExists(join(prefix, 'lib', 'wasm32-wasi', 'libc.a')),
  ]);
  return { prefix, rustcVersion, cargo, stdSource, linker, wasiLibc };
}

export async function probeToolchain(): Promise<ToolchainProbe> {
  const [rustup, debian] = await Promise.all([probeRustup(), probeDebian()]);
  let hostCargo: string | undefined;
  if (await firstLine('cargo', ['--version'])) hostCargo = 'cargo';
  else if (debian.cargo) hostCargo = join(debian.prefix, 'bin', 'cargo');
  return { rustup, debian, hostCargo };
}

/** Whether Debian's route is complete for `target` (wasip1 also needs wasi-libc). */
export function debianReady(debian: DebianProbe, target: WasmTarget): boolean {
  const base = Boolean(debian.rustcVersion) && debian.cargo && debian.stdSource && debian.linker;
  return target === 'wasm32-wasip1' ? base && debian.wasiLibc : base;
}

function joinFlags(flags: string[]): string {
  // Keep whatever the user already asked for; ours come after so they can still be seen in logs.
  return [process.env.RUSTFLAGS ?? '', ...flags].filter(Boolean).join(' ');
}

/** The route that builds `target` here: rustup when it has the target, else Debian's rustc-web. */
export function routeFor(probe: ToolchainProbe, target: WasmTarget): Route | undefined {
  // OFFLOAD_RUST_ROUTE pins one route, for machines that have both and for testing each.
  const pinned = process.env.OFFLOAD_RUST_ROUTE;
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
      `\`apt-get install -y ${DEBIAN_PACKAGES.join(' ')}\`), then \`offload doctor\` to check.`,
  );
}
