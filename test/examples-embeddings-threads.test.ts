// examples/embeddings built a second way, with `offload build --threads`: the same crate
// source, whose batch runs its length groups on rayon's pool. Loaded through load() with the
// model going in through the init option, as the single-thread package's plain functions get
// it, and checked against that package: same numbers, same order. The cold threaded build
// (candle and tokenizers with std rebuilt for atomics) takes minutes; its cargo target folder
// is kept, so CI's second Node run reuses it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Offloaded } from '../src/runtime/index.js';
import { buildEmbeddings } from '../examples/embeddings/lib/build.js';
import { buildEmbeddingsThreads } from '../examples/embeddings/lib/build-threads.js';
import type { EmbeddingsModule } from '../examples/embeddings/lib/embedder.js';
import { cosine } from '../examples/embeddings/lib/reference.js';
import { loadServedEmbeddings } from '../examples/embeddings/lib/served-embeddings.js';

const DIMS = 384;
const HELPERS = 2;

// 20 sentences, so the batch makes three length groups of up to 8 (the crate's group size),
// lengths from empty to past the 256-token limit, in no particular order.
const longText = Array.from({ length: 90 }, (_, i) => `word${i} and more, `).join('');
const mixedBatch = [
  'The cat sits on the mat.',
  longText,
  '',
  'WebAssembly runs Rust code inside Node.js, on worker threads, with a pool that replaces a trapped instance.',
  'Accents: naïve café, São Paulo. CJK: 東京 Emoji: 🚀',
  'Short.',
  'A man is playing a guitar on a street corner while people walk past without looking at him.',
  'How do I reset my password?',
  longText.slice(0, 400),
  'It is a bright, warm day outside.',
  'The compiler rejected my Rust code because a borrowed value did not live long enough.',
  'Yes',
  'Parallel iterators split the work between threads and steal from each other when they run dry.',
  'The stock market fell sharply today.',
  longText.slice(0, 900),
  'Prometheus scrapes the /metrics endpoint every fifteen seconds.',
  'What is the capital of France?',
  'Sentence embeddings map text to vectors whose cosine similarity follows meaning.',
  'a b c d e f g h i j k l m n o p q r s t u v w x y z',
  'Tokenizers split words into word pieces.',
];

function rows(flat: Float32Array): Float32Array[] {
  return Array.from({ length: flat.length / DIMS }, (_, i) => flat.subarray(i * DIMS, (i + 1) * DIMS));
}

/** Operating-system threads of this process: each worker and each rayon helper is one. */
function osThreads(): number {
  return readdirSync('/proc/self/task').length;
}

describe('examples/embeddings built with --threads', () => {
  let threaded: Offloaded<EmbeddingsModule>;
  let single: Offloaded<EmbeddingsModule>;
  let threadedPkgDir: string;
  let threadsBefore: number;

  before(async () => {
    // One build at a time: both are long compiles on a small machine.
    const singlePkg = await buildEmbeddings({ quiet: true });
    threadedPkgDir = (await buildEmbeddingsThreads({ quiet: true })).pkgDir;
    single = await loadServedEmbeddings(singlePkg.pkgDir, { threads: 1, timeoutMs: 120_000 });
    threadsBefore = osThreads();
    threaded = await loadServedEmbeddings(threadedPkgDir, { threads: 1, threadsPerInstance: HELPERS, timeoutMs: 120_000 });
  });
  after(() => Promise.all([threaded?.$close(), single?.$close()]));

  test('is a threaded package that starts its rayon helpers, and hides the pool machinery', () => {
    const manifest = JSON.parse(readFileSync(path.join(threadedPkgDir, 'offload.json'), 'utf8')) as { options: { threads?: boolean } };
    assert.equal(manifest.options.threads, true);
    // The instance's own thread plus its helpers.
    assert.ok(osThreads() >= threadsBefore + 1 + HELPERS, `${osThreads() - threadsBefore} threads started, expected at least ${1 + HELPERS}`);
    assert.ok(!Object.keys(threaded).includes('initThreadPool'));
    assert.ok(Object.keys(threaded).includes('embed_batch'));
  });

  test("a mixed batch gives the single-thread package's embeddings bit for bit, in the caller's order", async () => {
    const [ours, theirs] = await Promise.all([threaded.embed_batch(mixedBatch), single.embed_batch(mixedBatch)]);
    assert.equal(ours.length, mixedBatch.length * DIMS);
    const threadedRows = rows(ours);
    const singleRows = rows(theirs);
    for (const [i, text] of mixedBatch.entries()) {
      // Each length group is the same computation in both builds (same groups, same kernels),
      // so the numbers are identical, not merely close.
      assert.deepEqual(threadedRows[i], singleRows[i], `sentence ${i} ${JSON.stringify(text.slice(0, 40))}`);
    }
    // Order: reversing the batch reverses the rows, and a sentence alone gives its own row.
    const reversed = rows(await threaded.embed_batch([...mixedBatch].reverse()));
    for (let i = 0; i < mixedBatch.length; i++) {
      const c = cosine(reversed[mixedBatch.length - 1 - i]!, threadedRows[i]!);
      assert.ok(c > 0.99999, `sentence ${i} after reversing the batch: cosine ${c}`);
    }
    for (const i of [0, 1, 5]) {
      const c = cosine(await threaded.embed(mixedBatch[i]!), threadedRows[i]!);
      assert.ok(c > 0.99999, `sentence ${i} alone: cosine ${c}`);
    }
  });
});
