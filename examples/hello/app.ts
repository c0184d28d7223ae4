// The starter's Node server: it keeps the HTTP side and hands the name to Rust's `say`.
// Build the crate first (`offload build examples/hello`), then: node --import tsx examples/hello/app.ts
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { initSync, say } from './pkg/hello.js';

initSync({ module: readFileSync(new URL('./pkg/hello_bg.wasm', import.meta.url)) });

const port = Number(process.env.PORT ?? 8080);

const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (request.method !== 'GET' || url.pathname !== '/') {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try GET /?name=World\n');
    return;
  }
  const name = url.searchParams.get('name') ?? 'World';
  response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(say(name));
});

server.listen(port, () => {
  console.log(`hello example listening on http://localhost:${port}/?name=World`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
