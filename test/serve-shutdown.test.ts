// Shutdown with keep-alive clients connected: the answer to a request in flight carries
// `Connection: close`, idle keep-alive sockets are closed at once, and the drain finishes as
// soon as the last answer is out (it does not wait for the deadline, which is set far beyond
// the test's own timeout so that waiting for it would fail the test).
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { before, test } from 'node:test';
import { serve } from '../src/server/index.js';
import { buildCrate, get, metric, waitFor } from './helpers/serve-client.js';

let apiPkg: string;

before(async () => {
  apiPkg = await buildCrate('test/fixtures/serve-api');
});

function call(agent: http.Agent, base: string, route: string, body: unknown): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${base}${route}`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text, socket: request.socket as Socket }));
    });
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

test('SIGTERM-style drain: in-flight answers close their connection, idle keep-alive sockets close at once, close() resolves when the last answer is out', { timeout: 120_000 }, async () => {
  const server = await serve([apiPkg], { port: 0, logger: false, defaults: { threads: 2 } });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  try {
    // An idle keep-alive connection: it carried one call and stays open.
    const first = await call(agent, server.url, '/serve-api/add', [1, 2]);
    assert.equal(first.status, 200);
    assert.notEqual(first.headers.connection, 'close');
    const idleSocket = first.socket;
    assert.equal(idleSocket.destroyed, false);
    const idleClosed = once(idleSocket, 'close');

    // A call in flight on another connection.
    const inFlight = call(agent, server.url, '/serve-api/work', [150_000_000]);
    await waitFor(async () => metric((await get(server.url, '/metrics')).text, 'offload_running_calls{package="serve-api"}') === 1);

    const drained = server.close(10 * 60_000);
    await idleClosed;
    const answer = await inFlight;
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.headers.connection, 'close', 'the in-flight answer tells the client to reconnect elsewhere');
    assert.equal(await drained, true, 'drained without waiting for the deadline');
  } finally {
    agent.destroy();
    await server.close();
  }
});
