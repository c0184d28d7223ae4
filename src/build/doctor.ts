import { cachedWasmBindgenVersions } from './bindgen.js';
import { join } from 'node:path';
import { relaxedSimdBuildable } from './relaxed-simd.js';
import { threadsBuildable } from './threads.js';
import { aptInstallCommand, debianMissingPackages, probeToolchain, routeFor, WASM_TARGETS, type ToolchainProbe } from './toolchain.js';
import { wasmOptVersion } from './wasm-opt.js';

export interface DoctorRow {
  item: string;
  ok: boolean;
  /** Not needed to build libraries; shown so users know what else is available. */
  optional?: boolean;
  detail: string;
  fix?: string;
}

export interface DoctorReport {
  rows: DoctorRow[];
  /** True when `offload build` can work on this machine. */
  canBuild: boolean;
}

/** Other subsystems (e.g. WasmEdge) add their rows here, so doctor stays one table. */
export type DoctorCheck = () => Promise<DoctorRow>;

/** Names each missing file with the package that ships it, so the printed fix always works. */
function debianDetail(probe: ToolchainProbe): { ok: boolean; detail: string; fix?: string } {
  const d = probe.debian;
  const packages = debianMissingPackages(d);
  if (packages.length === 0) return { ok: true, detail: `${d.rustcVersion} with std source, rust-lld, wasi-libc (${d.prefix})` };
  const missing = d.missing.map((file) => `${join(d.prefix, file.path)} (${file.what}, package ${file.package})`);
  if (!d.rustcVersion && !d.missing.some((file) => file.package === 'rustc-web')) {
    missing.unshift(`a rustc that runs at ${join(d.prefix, 'bin', 'rustc')} (package rustc-web)`);
  }
  return { ok: false, detail: `missing: ${missing.join('; ')}`, fix: aptInstallCommand(packages) };
}

/**
 * Whether the route offload builds with can build --relaxed-simd, and, when the Debian route
 * is the other one present, whether its rustc-web could too: a machine may be switched to it.
 */
async function relaxedSimdRow(probe: ToolchainProbe): Promise<{ ok: boolean; detail: string; fix?: string }> {
  const route = routeFor(probe, 'wasm32-unknown-unknown');
  if (!route) return { ok: false, detail: 'no route builds wasm32-unknown-unknown', fix: 'offload setup' };
  const check = await relaxedSimdBuildable(route);
  if (route.kind === 'debian' || !probe.debian.rustcVersion) return check;
  const debianRoute = routeFor(probe, 'wasm32-unknown-unknown', 'debian');
  if (!debianRoute) return check;
  const debian = await relaxedSimdBuildable(debianRoute);
  return { ...check, detail: `${check.detail}; Debian route: ${debian.ok ? debian.detail.replace(/^via debian /, '') : `no, ${debian.detail}`}` };
}

export async function runDoctor(extraChecks: DoctorCheck[] = []): Promise<DoctorReport> {
  const probe = await probeToolchain();
  const rows: DoctorRow[] = [];
  rows.push({ item: 'node', ok: true, detail: process.version });
  rows.push({
    item: 'rustup route',
    ok: probe.rustup.targets.length > 0,
    optional: true,
    detail: probe.rustup.version
      ? `${probe.rustup.rustcVersion ?? 'rustc ?'}; wasm targets: ${probe.rustup.targets.join(', ') || 'none'}`
      : 'rustup not found',
    fix: probe.rustup.version ? `rustup target add ${WASM_TARGETS.join(' ')}` : undefined,
  });
  const debian = debianDetail(probe);
  rows.push({
    item: 'Debian rustc-web route',
    ok: debian.ok,
    optional: true,
    detail: debian.detail,
    fix: debian.fix,
  });
  for (const target of WASM_TARGETS) {
    const route = routeFor(probe, target);
    rows.push({
      item: `target ${target}`,
      ok: Boolean(route),
      // Libraries need the first target; programs (offload build --target wasi) the second.
      optional: target === 'wasm32-wasip1',
      detail: route ? `via ${route.kind} (${route.rustcVersion})` : 'no route can build it',
      fix: route ? undefined : 'offload setup',
    });
  }
  const threads = await threadsBuildable(routeFor(probe, 'wasm32-unknown-unknown'));
  // Optional: only `offload build --threads` needs it.
  rows.push({ item: 'threads (--threads)', optional: true, ...threads });
  rows.push({ item: 'relaxed SIMD (--relaxed-simd)', optional: true, ...(await relaxedSimdRow(probe)) });
  rows.push({
    item: 'host cargo',
    ok: Boolean(probe.hostCargo),
    detail: probe.hostCargo ? `${probe.hostCargo} (installs wasm-bindgen-cli)` : 'not found',
    fix: probe.hostCargo ? undefined : 'offload setup',
  });
  const bindgens = await cachedWasmBindgenVersions();
  rows.push({
    item: 'wasm-bindgen-cli',
    ok: true,
    detail: bindgens.length ? `cached: ${bindgens.join(', ')}` : 'none cached yet; installed on demand by offload build',
  });
  const wasmOpt = await wasmOptVersion();
  rows.push({
    item: 'wasm-opt',
    ok: Boolean(wasmOpt),
    detail: wasmOpt ?? 'the binaryen npm package is missing',
    fix: wasmOpt ? undefined : 'npm install',
  });
  for (const check of extraChecks) rows.push(await check());
  const canBuild = rows.every((row) => row.ok || row.optional);
  return { rows, canBuild };
}

/** A fixed-width table; plain text so it reads the same in CI logs and terminals. */
export function formatDoctor(report: DoctorReport): string {
  const mark = (row: DoctorRow) => (row.ok ? 'ok' : row.optional ? '--' : 'MISSING');
  const widths = [
    Math.max(...report.rows.map((r) => r.item.length)),
    Math.max(...report.rows.map((r) => mark(r).length)),
  ] as const;
  const lines = report.rows.map((row) => {
    const fix = !row.ok && row.fix ? `  → run: ${row.fix}` : '';
    return `${row.item.padEnd(widths[0])}  ${mark(row).padEnd(widths[1])}  ${row.detail}${fix}`;
  });
  lines.push('');
  lines.push(report.canBuild ? 'offload build can work on this machine.' : 'offload build cannot work yet: run `offload setup`.');
  return lines.join('\n');
}
