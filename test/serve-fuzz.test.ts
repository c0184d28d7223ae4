// An outside client that knows only /openapi.json: Schemathesis (installed by
// scripts/install-schemathesis.sh) fuzzes `offload serve` of the examples plus the serve-api
// fixture, which has faulting functions on purpose, with every check on and a bounded,
// reproducible budget (a fixed seed and a fixed number of examples per operation). Any finding
// fails the test, except the deliberate guest faults listed in FAULTS (a panic, the memory
// cap, a slow loop) and a Rust Err (422) for input that the types cannot rule out. The same
// document also passes openapi-spec-validator (installed alongside).
//
// Schemathesis does not depend on Node's version, so CI runs it once: the second Node run sets
// OFFLOAD_CI_SECOND_NODE=1 and this test is skipped there.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { serve, type OffloadServer } from '../src/server/index.js';
import { suiteTempDir } from './helpers/cli.js';
import { buildCrate, get } from './helpers/serve-client.js';

const SCHEMATHESIS_VERSION = '4.32.5';
const venvBin = path.join(process.env.OFFLOAD_CACHE ?? path.join(homedir(), '.cache', 'offload'), `schemathesis-${SCHEMATHESIS_VERSION}`, 'bin');
const st = path.join(venvBin, 'st');
const validator = path.join(venvBin, 'openapi-spec-validator');
const SEED = 11;
const EXAMPLES_PER_OPERATION = 25;
const secondNode = process.env.OFFLOAD_CI_SECOND_NODE === '1';

/** Deliberate guest faults of the serve-api fixture, and the answers they are meant to give. */
const FAULTS: Record<string, number[]> = {
  '/serve-api/panic_with': [500],
  '/serve-api/hoard': [500],
  '/serve-api/spin': [504],
  // CPU work proportional to its argument: large counts run into the timeout on purpose.
  '/serve-api/work': [504],
};

const scratch = suiteTempDir('serve-fuzz');
let server: OffloadServer | undefined;

before(async () => {
  if (secondNode) return;
  const packages = await Promise.all(
    ['examples/hello', 'examples/markdown', 'examples/image', 'examples/ml', 'test/fixtures/serve-api'].map((crate) => buildCrate(crate)),
  );
  server = await serve(packages, { port: 0, logger: false, defaults: { threads: 1, timeoutMs: 500, memoryLimitMb: 64 } });
});
after(() => server?.close());

/** Answers that are never a server error: every success and every client error. */
const NOT_SERVER_ERRORS = ['"2XX"', '"4XX"'];

function config(rawFormsWithQueryArguments: string[]): string {
  const lines = [
    '# Written by test/serve-fuzz.test.ts.',
    '[checks]',
    '# A Rust Err is a 422: the types admit the input, the function refuses it.',
    'positive_data_acceptance.expected-statuses = [200, 204, 422]',
  ];
  for (const [route, statuses] of Object.entries(FAULTS)) {
    lines.push(
      '',
      '[[operations]]',
      `include-path = "${route}"`,
      `checks.not_a_server_error.expected-statuses = [${[...NOT_SERVER_ERRORS, ...statuses].join(', ')}]`,
      `checks.positive_data_acceptance.expected-statuses = [200, 204, 422, ${statuses.join(', ')}]`,
    );
  }
  // The one rule OpenAPI cannot state: a raw-bytes body needs the other arguments in the query,
  // a JSON body does not (it carries them). The spec marks them optional and says so in their
  // descriptions; the server answers 400 naming the missing one, which is accepted here only.
  for (const route of rawFormsWithQueryArguments) {
    lines.push('', '[[operations]]', `include-path = "${route}"`, 'checks.positive_data_acceptance.expected-statuses = [200, 204, 400, 422]');
  }
  return `${lines.join('\n')}\n`;
}

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

test('the published spec passes an OpenAPI 3.1 validator', { skip: secondNode && 'runs on the first Node only (OFFLOAD_CI_SECOND_NODE=1)' }, async () => {
  assert.ok(existsSync(validator), `openapi-spec-validator is missing at ${validator}; run bash scripts/install-schemathesis.sh`);
  assert.ok(server);
  const file = path.join(scratch.path, 'openapi.json');
  await writeFile(file, (await get(server.url, '/openapi.json')).text);
  const { code, output } = await run(validator, ['--schema', '3.1', '--errors', 'all', file], scratch.path);
  assert.equal(code, 0, output);
  assert.match(output, /OK/);
});

test(
  `Schemathesis ${SCHEMATHESIS_VERSION}, every check, seed ${SEED}, ${EXAMPLES_PER_OPERATION} examples per operation: no findings`,
  { skip: secondNode && 'Schemathesis runs on the first Node only (OFFLOAD_CI_SECOND_NODE=1)', timeout: 4 * 60_000 },
  async () => {
    assert.ok(existsSync(st), `Schemathesis is missing at ${st}; run bash scripts/install-schemathesis.sh`);
    assert.ok(server);
    const rawForms = server.packages.flatMap((pkg) =>
      pkg.functions.filter((f) => f.rawBytesParam && f.params.some((p) => p.required && p.name !== f.rawBytesParam)).map((f) => `/${pkg.name}/${f.name}`),
    );
    await writeFile(path.join(scratch.path, 'schemathesis.toml'), config(rawForms));
    const junit = path.join(scratch.path, 'junit.xml');
    const { code, output } = await run(
      st,
      [
        'run',
        `${server.url}/openapi.json`,
        '--checks', 'all',
        '--seed', String(SEED),
        '--max-examples', String(EXAMPLES_PER_OPERATION),
        '--generation-deterministic',
        '--workers', '1',
        '--request-timeout', '10',
        '--no-color',
        '--report', 'junit',
        '--report-junit-path', junit,
      ],
      scratch.path,
    );
    const summary = /Test cases:\s*\n\s*(.*)/.exec(output)?.[1] ?? '';
    // The counts go to the test log, for the record.
    console.log(`schemathesis: ${summary.trim()}`);
    assert.equal(code, 0, output.slice(-6000));
    const report = await readFile(junit, 'utf8');
    assert.doesNotMatch(report, /<failure/, 'no failing test case in the JUnit report');
    assert.match(summary, /^\d+ generated/, 'Schemathesis generated test cases');
  },
);
