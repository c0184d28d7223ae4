// HTTP conventions that outside clients rely on and Fastify leaves to the application:
// - 405 with Allow for a known path called with the wrong method (not a 404);
// - 413 before the body is read when Content-Length is over the route's limit, including on
//   `Expect: 100-continue` (answered instead of `100 Continue`, so the client sends nothing);
// - while draining for shutdown: new requests get 503 in offload's error shape with
//   Retry-After, and every answer carries `Connection: close` so no keep-alive socket outlives
//   the request it carried.

import { ERROR_CODES } from '../errors.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { errorAnswer, type ErrorBody } from './error-status.js';
import type { ServerState } from './operations.js';

/** What each path answers: its methods, and for function routes the body limit. */
export interface KnownRoute {
  methods: string[];
  bodyLimitBytes?: number;
}

export type RouteTable = Map<string, KnownRoute>;

function pathOf(url: string | undefined): string {
  return (url ?? '/').split('?')[0] ?? '/';
}

/** The 405 answer for a known path, or undefined when the path is unknown (a 404). */
export function methodNotAllowed(routes: RouteTable, method: string, url: string): { allow: string; body: ErrorBody } | undefined {
  const route = routes.get(pathOf(url));
  if (!route || route.methods.includes(method)) return undefined;
  const allow = route.methods.join(', ');
  return {
    allow,
    body: errorAnswer('ERR_OFFLOAD_METHOD_NOT_ALLOWED', `${pathOf(url)} answers ${allow}, not ${method}.`).body,
  };
}

function tooLarge(route: KnownRoute, length: number): ErrorBody {
  const message = `the request body (${length} bytes) is larger than this function's limit of ${route.bodyLimitBytes} bytes.`;
  return errorAnswer('ERR_OFFLOAD_BODY_TOO_LARGE', message).body;
}

export function registerHttpConventions(app: FastifyInstance, routes: RouteTable, state: ServerState): void {
  // Node answers `Expect: 100-continue` by itself unless someone listens for it; then the
  // request goes on to Fastify only when its announced body fits.
  app.server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
    const route = request.method === 'POST' ? routes.get(pathOf(request.url)) : undefined;
    const length = Number(request.headers['content-length']);
    if (route?.bodyLimitBytes !== undefined && length > route.bodyLimitBytes) {
      const body = JSON.stringify(tooLarge(route, length));
      response.writeHead(ERROR_CODES.ERR_OFFLOAD_BODY_TOO_LARGE.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
      response.end(body);
      return;
    }
    response.writeContinue();
    app.server.emit('request', request, response);
  });

  app.addHook('onRequest', async (request, reply) => {
    // Here rather than in the 404 handler: Fastify checks a body method's content-type (QUERY,
    // PROPFIND, ...) before it finds that no route takes the method.
    const wrongMethod = methodNotAllowed(routes, request.method, request.url);
    if (wrongMethod) return reply.code(wrongMethod.body.statusCode).header('allow', wrongMethod.allow).send(wrongMethod.body);
    if (!state.draining) return;
    const draining = errorAnswer('ERR_OFFLOAD_SHUTTING_DOWN', 'the server is shutting down; retry on another replica.', { connection: 'close' });
    return reply.code(draining.statusCode).headers(draining.headers).send(draining.body);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (state.draining) reply.header('connection', 'close');
    // An answer sent before the body was read (413): closing the socket now would reset it
    // under a client still sending, which then reports a broken pipe instead of the 413. The
    // rest of the body is read and dropped instead, up to a bound, so the client finishes
    // sending and reads the answer.
    if (!request.raw.complete && reply.statusCode === ERROR_CODES.ERR_OFFLOAD_BODY_TOO_LARGE.status) discardBody(request.raw);
    return payload;
  });
}

/** Reading past this many dropped bytes, the client is not worth waiting for: cut it off. */
const DISCARD_LIMIT_BYTES = 64 * 2 ** 20;

function discardBody(request: IncomingMessage): void {
  let dropped = 0;
  request.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DISCARD_LIMIT_BYTES) request.socket.destroy();
  });
}
