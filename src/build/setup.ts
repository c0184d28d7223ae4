import { exec } from './exec.js';
import { InstallError, ToolchainMissingError } from './errors.js';
import type { Reporter } from './progress.js';
import { ensureRustSrc } from './threads.js';
import { aptInstallCommand, DEBIAN_PACKAGES, debianReady, probeToolchain, routeFor, WASM_TARGETS, type ToolchainProbe, type WasmTarget } from './toolchain.js';

function missingTargets(probe: ToolchainProbe): WasmTarget[] {
  return WASM_TARGETS.filter((target) => !routeFor(probe, target));
}

async function tryRustup(targets: WasmTarget[], reporter: Reporter): Promise<void> {
  const step = reporter.step(`rustup target add ${targets.join(' ')}`);
  // rustup needs its own download host; offline it fails within seconds, and then the
  // Debian route below takes over.
  const result = await exec('rustup', ['target', 'add', ...targets], { stderr: 'inherit', timeoutMs: 300_000 });
  if (result.code === 0) step.done();
  else step.fail('rustup could not download the targets; trying Debian packages');
}

async function aptInstall(reporter: Reporter): Promise<void> {
  const args = ['install', '-y', '--no-install-recommends', ...DEBIAN_PACKAGES];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const step = reporter.step(`apt-get ${args.join(' ')}`);
  let result = await exec('apt-get', args, { stderr: 'inherit', env });
  if (result.code !== 0) {
    // A fresh machine has empty package lists; refresh them once and try again.
    reporter.info('  apt-get install failed; running apt-get update and trying once more');
    await exec('apt-get', ['update'], { stderr: 'inherit', env });
    result = await exec('apt-get', args, { stderr: 'inherit', env });
  }
  if (result.code !== 0) {
    step.fail(`exit code ${result.code}`);
    throw new InstallError(`apt-get could not install ${DEBIAN_PACKAGES.join(' ')} (its messages are above).`);
  }
  step.done();
}

/** Both targets, since wasm32-wasip1 needs everything wasm32-unknown-unknown does and more. */
const debianComplete = (probe: ToolchainProbe): boolean => debianReady(probe.debian, 'wasm32-wasip1');

/** Installs one route on purpose, e.g. the Debian one on a machine whose rustup also works. */
async function setupRoute(route: 'rustup' | 'debian', reporter: Reporter): Promise<void> {
  const probe = await probeToolchain();
  if (route === 'rustup') {
    const missing = WASM_TARGETS.filter((t) => !probe.rustup.targets.includes(t));
    if (missing.length === 0) {
      await ensureRustSrc(routeFor(probe, 'wasm32-unknown-unknown'), reporter);
      return reporter.info('✓ rustup route ready');
    }
    if (!probe.rustup.version) throw new ToolchainMissingError('rustup is not installed; see https://rustup.rs, or use --route debian.');
    await tryRustup(missing, reporter);
    const after = await probeToolchain();
    if (WASM_TARGETS.some((t) => !routeFor(after, t))) {
      throw new ToolchainMissingError(`rustup could not add ${missing.join(' ')}; try --route debian.`);
    }
    return ensureRustSrc(routeFor(after, 'wasm32-unknown-unknown'), reporter);
  }
  if (debianComplete(probe)) return reporter.info('✓ Debian rustc-web route ready');
  if (process.getuid?.() !== 0) {
    throw new ToolchainMissingError(`Run:\n  sudo ${aptInstallCommand(DEBIAN_PACKAGES)}`);
  }
  await aptInstall(reporter);
  if (!debianComplete(await probeToolchain())) {
    throw new ToolchainMissingError('After installing, the Debian route is still incomplete; see `offload doctor`.');
  }
}

/**
 * Makes both wasm targets buildable, by whichever route this machine allows (or the one
 * asked for). Quick and silent but for one line when everything is already there.
 */
export async function runSetup(reporter: Reporter, options: { route?: 'rustup' | 'debian' } = {}): Promise<void> {
  if (options.route) return setupRoute(options.route, reporter);
  let probe = await probeToolchain();
  let missing = missingTargets(probe);
  if (missing.length === 0 && probe.hostCargo) {
    const routes = WASM_TARGETS.map((t) => `${t} via ${routeFor(probe, t)?.kind}`).join(', ');
    reporter.info(`✓ Rust toolchain ready: ${routes}`);
    return ensureRustSrc(routeFor(probe, 'wasm32-unknown-unknown'), reporter);
  }
  if (probe.rustup.version) {
    await tryRustup(missing, reporter);
    probe = await probeToolchain();
    missing = missingTargets(probe);
    if (missing.length === 0) return ensureRustSrc(routeFor(probe, 'wasm32-unknown-unknown'), reporter);
  }
  const isRoot = process.getuid?.() === 0;
  const hasApt = (await exec('apt-get', ['--version'])).code === 0;
  if (!hasApt || !isRoot) {
    const command = hasApt
      ? `sudo ${aptInstallCommand(DEBIAN_PACKAGES)}`
      : `rustup target add ${missing.join(' ')}  (install rustup first)`;
    throw new ToolchainMissingError(`Cannot build for ${missing.join(', ')} yet. Run:\n  ${command}\nthen \`offload doctor\`.`);
  }
  await aptInstall(reporter);
  probe = await probeToolchain();
  missing = missingTargets(probe);
  if (missing.length > 0) {
    throw new ToolchainMissingError(`After installing, ${missing.join(', ')} still cannot be built; see \`offload doctor\`.`);
  }
  reporter.info('✓ Rust toolchain ready (Debian rustc-web route)');
}
