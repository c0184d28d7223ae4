/**
 * WASI programs benchmark: one CPU kernel (n-body, bench/programs-kernel) as a native Rust
 * binary, on V8 (offload's WASI layer in a worker thread) and on WasmEdge (AOT), all in one
 * run, with medians and ratios to native. Also the start-up cost of one tiny run on each,
 * and the sizes of the .wasm and of WasmEdge's AOT artifact.
 *
 * Run: node --import tsx bench/programs.ts [steps] [repeats]
 */
import { execFile, execFileSync } from 'node:child_process';
import { statSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createProgramRunner } from '../src/programs/index.js';
import { buildProgramFixture, ensureWasmEdge } from '../test/helpers/build-program.js';

const steps = Number(process.argv[2] ?? 10_000_000);
const repeats = Number(process.argv[3] ?? 5);
const startupRepeats = 15;
const crateDir = fileURLToPath(new URL('./programs-kernel', import.meta.url));
const nativeTarget = join(homedir(), '.cache', 'offload', 'bench-target', 'native');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const ms = (x: number) => `${x.toFixed(1)} ms`;
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

async function timed(fn: () => Promise<string>): Promise<{ ms: number; out: string }> {
  const t = performance.now();
  const out = await fn();
  return { ms: performance.now() - t, out };
}

async function main() {
  console.log(`n-body, ${steps.toLocaleString('en')} steps, ${repeats} runs per engine (median); ${startupRepeats} runs for start-up\n`);
  process.stdout.write('building: native (host cargo), wasm32-wasip1, WasmEdge ... ');
  const cargo = process.env.CARGO ?? 'cargo';
  execFileSync(cargo, ['build', '--release', '--quiet', '--target-dir', nativeTarget], { cwd: crateDir, stdio: ['ignore', 'ignore', 'inherit'] });
  const native = join(nativeTarget, 'release', 'nbody');
  const [bins] = await Promise.all([buildProgramFixture(crateDir), ensureWasmEdge()]);
  const wasmPath = bins.get('nbody')!;
  const bytes = readFileSync(wasmPath);
  // One runner for the whole benchmark, as an application would hold one.
  const runner = createProgramRunner();
  const aotStart = performance.now();
  const { wasmedge, artifact } = await runner.prepare(bytes);
  const aotMs = performance.now() - aotStart;
  console.log('done');

  const engines: Record<string, (arg: string) => Promise<string>> = {
    native: async (arg) => (await promisify(execFile)(native, [arg])).stdout,
    v8: async (arg) => (await runner.run(bytes, { engine: 'v8', args: [arg], timeoutMs: 600_000 })).stdout.toString(),
    'wasmedge aot': async (arg) => (await runner.run(bytes, { engine: 'wasmedge', args: [arg], timeoutMs: 600_000 })).stdout.toString(),
  };

  // Start-up: the first V8 run pays for the worker thread and compiling the module; later
  // runs reuse both (a fresh instance each time). Native and WasmEdge start a process each.
  const firstV8 = await timed(() => engines.v8!('1'));
  const startup: Record<string, number> = {};
  for (const [name, run] of Object.entries(engines)) {
    const times: number[] = [];
    for (let i = 0; i < startupRepeats; i++) times.push((await timed(() => run('1'))).ms);
    startup[name] = median(times);
  }

  const results: Record<string, number> = {};
  const outputs = new Map<string, string>();
  for (const [name, run] of Object.entries(engines)) {
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const r = await timed(() => run(String(steps)));
      times.push(r.ms);
      outputs.set(name, r.out);
    }
    results[name] = median(times);
  }
  await runner.close();

  const reference = outputs.get('native');
  for (const [name, out] of outputs) {
    if (out !== reference) throw new Error(`${name} printed ${JSON.stringify(out)}, native printed ${JSON.stringify(reference)}`);
  }

  console.log(`\nkernel (all engines printed the same energies: ${reference!.trim().split('\n').join(' -> ')})`);
  console.log('engine          median       vs native');
  for (const [name, t] of Object.entries(results)) {
    console.log(`${name.padEnd(15)} ${ms(t).padStart(11)}   ${(t / results.native!).toFixed(2)}x`);
  }
  console.log('\nstart-up (one run of 1 step, median; includes process spawn or worker round trip)');
  for (const [name, t] of Object.entries(startup)) console.log(`${name.padEnd(15)} ${ms(t).padStart(11)}`);
  console.log(`${'v8 first run'.padEnd(15)} ${ms(firstV8.ms).padStart(11)}   (worker start + compile, once per process)`);
  console.log('\nsizes');
  console.log(`${'native binary'.padEnd(22)} ${kib(statSync(native).size).padStart(11)}`);
  console.log(`${'.wasm'.padEnd(22)} ${kib(bytes.length).padStart(11)}`);
  console.log(`${'WasmEdge AOT artifact'.padEnd(22)} ${kib(statSync(artifact.path).size).padStart(11)}   (${artifact.compiled ? `compiled now in ${ms(aotMs)}` : 'from the cache'}, ${wasmedge.version})`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
