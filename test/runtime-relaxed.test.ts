// load() of a package built with `offload build --relaxed-simd` runs the relaxed-SIMD module
// where the engine validates relaxed SIMD (Node >= 22, or Node 20 started with
// --experimental-wasm-relaxed-simd) and the SIMD128 one elsewhere; each expectation below is
// stated per Node version, so this file checks a different branch on Node 20 and on Node 24.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { buildPackage } from '../src/build/build.js';
import { silentReporter } from '../src/build/progress.js';
import { load, type LoadOptions } from '../src/runtime/index.js';
import { engineSupports } from '../src/wasm/engine-features.js';
import { copyCrate, repoRoot, sharedTargetDir, tempDir } from './helpers/cli.js';

type Relaxed = {
  compiled_variant(): string;
  mul_add(a: Float32Array, b: Float32Array, c: Float32Array): Float32Array;
  dot(a: Float32Array, b: Float32Array): number;
};

const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';
const nodeMajor = Number(process.versions.node.split('.')[0]);
/** Relaxed SIMD shipped on by default in V8 11.4 (Node 22); Node 20's V8 11.3 has it behind a flag. */
const engineHasRelaxed = nodeMajor >= 22 || [...process.execArgv, ...(process.env.NODE_OPTIONS?.split(/\s+/) ?? [])].includes(RELAXED_FLAG);
const autoPicks = engineHasRelaxed ? 'relaxed-simd' : 'simd128';

// Made in the one `before` below, which also builds the package, so both exist for every suite.
let root: { path: string; remove: () => Promise<void> };
let pkgDir = '';

// Deterministic inputs with products of every size, signs and cancellations.
const n = 1024;
const a = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 7)));
const b = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.11) * 3);
const c = Float32Array.from({ length: n }, (_, i) => -a[i]! * b[i]! + Math.sin(i) * 1e-3);

/**
 * Fused and unfused a*b+c differ by the product's rounding and the result's: at most half an
 * ulp of |a*b| plus one ulp of the result (f32: 2^-24 and 2^-23 relative).
 */
function maddTolerance(i: number, result: number): number {
  return 2 ** -24 * Math.abs(a[i]! * b[i]!) + 2 ** -23 * Math.abs(result) + 2 ** -149;
}

before(async () => {
  root = await tempDir('relaxed-runtime');
  const crate = join(root.path, 'relaxed-simd-runtime');
  await copyCrate(join(repoRoot, 'test', 'fixtures', 'relaxed-simd'), crate);
  // Its own crate name: test/build-relaxed builds the fixture in the same shared target folder.
  const toml = join(crate, 'Cargo.toml');
  await writeFile(toml, (await readFile(toml, 'utf8')).replace('name = "relaxed-simd"', 'name = "relaxed-simd-runtime"'));
  const built = await buildPackage(crate, { relaxedSimd: true, targetDir: sharedTargetDir, reporter: silentReporter });
  assert.deepEqual(built.manifest.artifacts.map((x) => x.simd), ['simd128', 'relaxed-simd']);
  pkgDir = built.pkgDir;
});
after(() => root?.remove());

async function withPackage<T>(options: LoadOptions, use: (api: Awaited<ReturnType<typeof load<Relaxed>>>) => Promise<T>): Promise<T> {
  const api = await load<Relaxed>(pkgDir, options);
  try {
    return await use(api);
  } finally {
    await api.$close();
  }
}

describe('the relaxed-SIMD probe', () => {
  it(`says this engine (Node ${process.versions.node}) ${engineHasRelaxed ? 'has' : 'lacks'} relaxed SIMD`, () => {
    assert.equal(engineSupports('relaxed-simd'), engineHasRelaxed);
    assert.equal(engineSupports('simd128'), true);
  });
});

describe("load()'s simdVariant", () => {
  for (const mode of ['pool', 'inline'] as const) {
    it(`'auto' runs the ${autoPicks} module in mode '${mode}', and $metrics() says so`, async () => {
      await withPackage({ mode, threads: 2 }, async (api) => {
        assert.equal(api.$metrics().simdVariant, autoPicks);
        assert.equal(await api.compiled_variant(), autoPicks);
      });
    });
  }

  it("'simd128' runs the SIMD128 module on every engine", async () => {
    await withPackage({ simdVariant: 'simd128' }, async (api) => {
      assert.equal(api.$metrics().simdVariant, 'simd128');
      assert.equal(await api.compiled_variant(), 'simd128');
    });
  });

  it(`'relaxed-simd' ${engineHasRelaxed ? 'runs the relaxed module' : 'is refused with ERR_OFFLOAD_ENGINE_FEATURE_MISSING'} here`, async () => {
    if (engineHasRelaxed) {
      await withPackage({ simdVariant: 'relaxed-simd' }, async (api) => {
        assert.equal(api.$metrics().simdVariant, 'relaxed-simd');
        assert.equal(await api.compiled_variant(), 'relaxed-simd');
      });
    } else {
      await assert.rejects(load(pkgDir, { simdVariant: 'relaxed-simd' }), (error: Error & { code?: string; feature?: string }) => {
        assert.equal(error.name, 'OffloadEngineFeatureError');
        assert.equal(error.code, 'ERR_OFFLOAD_ENGINE_FEATURE_MISSING');
        assert.equal(error.feature, 'relaxed-simd');
        assert.match(error.message, /--experimental-wasm-relaxed-simd/);
        return true;
      });
    }
  });

  it('refuses a variant the package does not have, and a value that is no variant', async () => {
    const plain = await buildPackage(join(repoRoot, 'test', 'fixtures', 'build-simd'), { targetDir: sharedTargetDir, reporter: silentReporter, outDir: join(root.path, 'plain-pkg') });
    await assert.rejects(load(plain.pkgDir, { simdVariant: 'relaxed-simd' }), { code: 'ERR_OFFLOAD_BAD_ARGUMENT', message: /--relaxed-simd/ });
    await assert.rejects(load(pkgDir, { simdVariant: 'avx' as never }), { code: 'ERR_OFFLOAD_BAD_ARGUMENT' });
  });
});

/** Runs mul_add and dot with the relaxed module in a Node that has relaxed SIMD. */
async function relaxedResults(): Promise<{ variant: string; mulAdd: number[]; dot: number }> {
  if (engineHasRelaxed) {
    return withPackage({ simdVariant: 'relaxed-simd' }, async (api) => ({ variant: api.$metrics().simdVariant as string, mulAdd: [...(await api.mul_add(a, b, c))], dot: await api.dot(a, b) }));
  }
  // Node 20: a child started with the flag shows 'auto' picking the relaxed module there.
  const script = join(root.path, 'relaxed-child.mts');
  await writeFile(
    script,
    `import { load } from ${JSON.stringify(join(repoRoot, 'src', 'runtime', 'index.ts'))};
const [a, b, c] = ${JSON.stringify([[...a], [...b], [...c]])}.map((x) => Float32Array.from(x));
const api = await load(${JSON.stringify(pkgDir)});
const out = { variant: api.$metrics().simdVariant, compiled: await api.compiled_variant(), mulAdd: [...(await api.mul_add(a, b, c))], dot: await api.dot(a, b) };
await api.$close();
process.stdout.write(JSON.stringify(out));
`,
  );
  const { stdout } = await promisify(execFile)(process.execPath, [RELAXED_FLAG, '--import', 'tsx', script], { cwd: repoRoot });
  const out = JSON.parse(stdout) as { variant: string; compiled: string; mulAdd: number[]; dot: number };
  assert.equal(out.compiled, 'relaxed-simd', 'the child ran the relaxed module');
  return out;
}

describe('the two variants compute the same results', () => {
  it('within the rounding a fused multiply-add saves (stated per element), on Node 20 too through a flagged child', async (t) => {
    const simd = await withPackage({ simdVariant: 'simd128' }, async (api) => ({ mulAdd: [...(await api.mul_add(a, b, c))], dot: await api.dot(a, b) }));
    const relaxed = await relaxedResults();
    assert.equal(relaxed.variant, 'relaxed-simd');
    let differing = 0;
    for (let i = 0; i < n; i++) {
      const [x, y] = [simd.mulAdd[i]!, relaxed.mulAdd[i]!];
      if (x !== y) differing++;
      assert.ok(Math.abs(x - y) <= maddTolerance(i, x), `element ${i}: simd128 ${x}, relaxed ${y}`);
    }
    // The dot product's 256 steps per lane each round once more without FMA.
    const magnitude = a.reduce((sum, x, i) => sum + Math.abs(x * b[i]!), 0);
    assert.ok(Math.abs(simd.dot - relaxed.dot) <= 2 ** -23 * 512 * magnitude, `dot: simd128 ${simd.dot}, relaxed ${relaxed.dot}`);
    t.diagnostic(`${differing}/${n} mul_add elements differ (${differing > 0 ? 'the engine fused' : 'the engine did not fuse'}); dot ${simd.dot} vs ${relaxed.dot}`);
  });
});

describe('a threaded build with both variants (--threads --relaxed-simd)', () => {
  it(`runs the ${autoPicks} module on rayon's threads`, async () => {
    // The threads tests' cargo target folder: std rebuilt with atomics is shared with them, and
    // its relaxed-simd subfolder with the examples' threaded relaxed builds.
    const built = await buildPackage(join(repoRoot, 'test', 'fixtures', 'relaxed-simd', 'threaded'), {
      threads: true,
      relaxedSimd: true,
      targetDir: join(homedir(), '.cache', 'offload', 'threads-target'),
      outDir: join(root.path, 'threaded-pkg'),
      reporter: silentReporter,
    });
    assert.deepEqual(built.manifest.artifacts.map((x) => [x.simd, x.engineFeatures]), [
      ['simd128', ['simd128', 'threads']],
      ['relaxed-simd', ['simd128', 'relaxed-simd', 'threads']],
    ]);
    type Threaded = { compiled_variant(): string; par_matvec(m: Float32Array, v: Float32Array): Float32Array };
    const api = await load<Threaded>(built.pkgDir, { threadsPerInstance: 2 });
    try {
      assert.equal(api.$metrics().simdVariant, autoPicks);
      assert.equal(await api.compiled_variant(), autoPicks);
      const [rows, cols] = [64, 256];
      const matrix = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 0.01));
      const vector = Float32Array.from({ length: cols }, (_, i) => Math.cos(i * 0.03));
      const result = await api.par_matvec(matrix, vector);
      for (let r = 0; r < rows; r++) {
        let exact = 0;
        let magnitude = 0;
        for (let k = 0; k < cols; k++) {
          exact += matrix[r * cols + k]! * vector[k]!;
          magnitude += Math.abs(matrix[r * cols + k]! * vector[k]!);
        }
        // f32 accumulation over cols/4 steps per lane: within cols ulps of the magnitude.
        assert.ok(Math.abs(result[r]! - exact) <= 2 ** -23 * cols * magnitude, `row ${r}: ${result[r]} vs ${exact}`);
      }
    } finally {
      await api.$close();
    }
  });
});
