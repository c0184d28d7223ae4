// Scale-out on an existing engine: Debian's nginx in front of two `offload serve` replicas on
// loopback, autocannon through it, and each replica restarted in turn under that load (SIGTERM,
// wait for it to exit 0, start it again on the same port). The goal, and the assertion: not one
// failed request. Bounded: a fixed duration and connection count, loopback only.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import autocannon from 'autocannon';
import { repoRoot, suiteTempDir } from './helpers/cli.js';
import { buildCrate, readyUrl } from './helpers/serve-client.js';
import { freePort, NGINX, startNginx } from './helpers/serve-nginx.js';

const entry = path.join(repoRoot, 'dist', 'cli', 'main.js');
const LOAD_SECONDS = 24;
const CONNECTIONS = 8;

const scratch = suiteTempDir('serve-scale-out');
let helloPkg: string;

before(async () => {
  helloPkg = await buildCrate('examples/hello');
});

interface Replica {
  port: number;
  stop(): Promise<number | null>;
}

async function startReplica(port: number): Promise<Replica> {
  const child = spawn(process.execPath, [entry, 'serve', helloPkg, '--port', String(port), '--threads', '1', '--shutdown-timeout-ms', '20000'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await readyUrl(child.stdout, exited, () => stderr);
  return {
    port,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test(
  'nginx + two replicas: a rolling restart under autocannon load fails no request',
  { skip: !existsSync(NGINX) && `nginx is missing at ${NGINX}; run bash scripts/install-nginx.sh`, timeout: 180_000 },
  async () => {
    const ports = [await freePort(), await freePort()];
    const replicas = await Promise.all(ports.map((port) => startReplica(port)));
    const nginx = await startNginx(path.join(scratch.path, 'nginx'), ports);
    try {
      const load = autocannon({
        url: `${nginx.url}/hello/say`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '["World"]',
        connections: CONNECTIONS,
        duration: LOAD_SECONDS,
      });
      const exitCodes: (number | null)[] = [];
      const restarts = (async () => {
        for (let i = 0; i < replicas.length; i++) {
          await sleep(5_000);
          const replica = replicas[i] as Replica;
          exitCodes.push(await replica.stop());
          replicas[i] = await startReplica(replica.port);
        }
      })();
      const [result] = await Promise.all([load, restarts]);
      const failed = result.errors + result.timeouts + result.non2xx;
      console.log(
        `rolling restart through nginx: ${result.requests.total} requests in ${LOAD_SECONDS} s, ${failed} failed ` +
          `(errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx}), p99 ${result.latency.p99} ms`,
      );
      assert.deepEqual(exitCodes, [0, 0], 'each replica drained and exited 0');
      assert.ok(result.requests.total > 1000, `load was applied (${result.requests.total} requests)`);
      assert.equal(failed, 0, `failed requests: errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx}`);
    } finally {
      await nginx.stop();
      await Promise.all(replicas.map((r) => r.stop()));
    }
  },
);
