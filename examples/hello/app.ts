// The starter's Node server: it keeps the HTTP side and hands the name to Rust's `say`, which
// runs on a worker thread through offload's runtime, so a slow call never blocks this loop.
// Build the crate first (`offload build examples/hello`), then: node --import tsx examples/hello/app.ts
// (`offload serve examples/hello/pkg` serves the same function as POST /hello/say, with docs.)
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { load } from '../../src/runtime/index.js';

type Hello = typeof import('./pkg/hello.js');

const hello = await load<Hello>(fileURLToPath(new URL('./pkg', import.meta.url)), { threads: 1, timeoutMs: 1_000 });
const port = Number(process.env.PORT ?? 8080);

const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (request.method !== 'GET' || url.pathname !== '/') {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try GET /?name=World\n');
    return;
  }
  const name = url.searchParams.get('name') ?? 'World';
  hello.say(name).then(
    (greeting) => response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(greeting),
    (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`say failed: ${(error as Error).message}\n`),
  );
});

server.listen(port, () => {
  // The bound port, not the requested one: PORT=0 picks a free port.
  const { port: bound } = server.address() as { port: number };
  console.log(`hello example listening on http://localhost:${bound}/?name=World`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => server.close(() => void hello.$close().then(() => process.exit(0))));
}
