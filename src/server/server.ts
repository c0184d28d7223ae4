// serve(): one Fastify server for one or more packages. It listens first (so /healthz and
// /readyz answer while modules compile), then loads every package, and resolves once all
// are ready. Each concern lives in its own file; this one only puts them together in order.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { OffloadBadArgumentError } from '../runtime/index.js';
import { resolveLimits, type PackageConfig, type RuntimeLimits } from './config.js';
import { registerDocs } from './docs.js';
import { answerFor, errorAnswer } from './error-status.js';
import { HostedPackage } from './hosted-package.js';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from './lifecycle.js';
import { createMetrics } from './metrics.js';
import { registerOperations, type ServerState } from './operations.js';
import { RUST_FORMATS } from './rust-schema.js';
import { registerHttpConventions, methodNotAllowed, type RouteTable } from './http-conventions.js';
import { bodyLimitBytes, registerPackageRoutes, routePath, type CallRouteConfig } from './routes.js';
import { findProgramPackage, loadProgramPackage, type ProgramPackage } from './program-package.js';
import { programRoutePath, registerProgramRoutes } from './wagi-routes.js';
import { watchPackage } from './watch.js';

export interface ServeOptions {
  /** Default 8080; 0 picks a free port (see `url`). */
  port?: number;
  /** Default 127.0.0.1; use 0.0.0.0 to accept connections from other machines. */
  host?: string;
  /** Reload a package when its built files change. */
  watch?: boolean;
  /** Limits for packages that do not set their own. */
  defaults?: RuntimeLimits;
  /** Limits that override every package's own (what command-line flags set). */
  overrides?: RuntimeLimits;
  /** Fastify's logger option: pino options (JSON lines) or false. Default: info level to stdout. */
  logger?: FastifyServerOptions['logger'];
}

export interface OffloadServer {
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  app: FastifyInstance;
  packages: readonly HostedPackage[];
  /**
   * Stops accepting connections, lets in-flight requests finish, then stops the workers.
   * Resolves true when everything finished within `deadlineMs`, false when it was cut short.
   */
  close(deadlineMs?: number): Promise<boolean>;
}

export async function serve(packages: readonly (string | PackageConfig)[], options: ServeOptions = {}): Promise<OffloadServer> {
  if (packages.length === 0) throw new OffloadBadArgumentError('serve() needs at least one package: a pkg/ folder built by `offload build`.');
  const app = Fastify({
    logger: options.logger ?? { level: 'info' },
    // Fastify's default Ajv coerces types ("5" passes as 5) and drops unknown properties;
    // a call with a wrong type or an unknown argument must be rejected instead.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false, formats: RUST_FORMATS, keywords: ['x-enum-varnames'] } },
    // Draining is answered by http-conventions.ts, in offload's error shape.
    return503OnClosing: false,
    // close() also closes keep-alive sockets that carry no request.
    forceCloseConnections: 'idle',
  });
  const snapshotRoot = await mkdtemp(path.join(tmpdir(), 'offload-serve-'));
  const state: ServerState = { draining: false };
  let hosted: HostedPackage[];
  let programs: ProgramPackage[];
  try {
    const configs = packages.map((p) => resolveLimits(typeof p === 'string' ? { path: p } : p, options.defaults, options.overrides));
    // WASI program packages are served with WAGI; everything else is a wasm-bindgen library.
    const programDirs = configs.map((c) => findProgramPackage(c.path));
    hosted = configs.filter((_, i) => !programDirs[i]).map((c) => new HostedPackage(c, snapshotRoot, app.log));
    programs = await Promise.all(configs.flatMap((c, i) => (programDirs[i] ? [loadProgramPackage(programDirs[i], c)] : [])));
    assertDistinctNames([...hosted.map((p) => ({ name: p.name, dir: p.files.dir })), ...programs.map((p) => ({ name: p.name, dir: p.pkgDir }))]);
  } catch (error) {
    await rm(snapshotRoot, { recursive: true, force: true });
    throw error;
  }
  const metrics = createMetrics(hosted);

  // Results are encoded by results.ts; response schemas exist for the docs only.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  // Functions take JSON (or raw bytes); a text/plain body is an unsupported media type (415).
  app.removeContentTypeParser('text/plain');
  const knownRoutes: RouteTable = new Map();
  registerHttpConventions(app, knownRoutes, state);
  app.addHook('onResponse', async (request, reply) => {
    const call = (request.routeOptions.config as Partial<CallRouteConfig>).offload;
    if (call) metrics.observeRequest(call.package, call.spec.name, reply.statusCode, reply.elapsedTime / 1000);
  });
  app.setErrorHandler(async (error, request, reply) => {
    const call = (request.routeOptions.config as Partial<CallRouteConfig>).offload;
    const answer = answerFor(error);
    if (call && (error as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const what = call.spec.rawBytesParam ? `"${call.spec.rawBytesParam}"` : `the arguments (${call.spec.params.map((p) => p.name).join(', ')})`;
      answer.body.message = `the request body for ${call.spec.name} is larger than ${call.bodyLimitBytes} bytes; send less in ${what} or raise bodyLimitMb for ${call.package}.`;
    }
    if ((error as { code?: string }).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      answer.body.message = `unsupported content-type ${JSON.stringify(request.headers['content-type'] ?? '')}: send the arguments as application/json${call?.spec.rawBytesParam ? `, or "${call.spec.rawBytesParam}" as application/octet-stream` : ''}.`;
    }
    if (answer.statusCode >= 500) {
      // The host stack stays in the log; the client gets the code and message only.
      request.log.error({ err: error, code: answer.body.code }, answer.body.message);
    }
    return reply.code(answer.statusCode).headers(answer.headers).send(answer.body);
  });
  app.setNotFoundHandler(async (request, reply) => {
    const wrongMethod = methodNotAllowed(knownRoutes, request.method, request.url);
    if (wrongMethod) return reply.code(wrongMethod.body.statusCode).header('allow', wrongMethod.allow).send(wrongMethod.body);
    const routes = hosted.flatMap((p) => p.functions.map((f) => routePath(p.name, f.name)));
    const programRoutes = programs.flatMap((p) => p.programs.map((program) => programRoutePath(p.name, program.name)));
    const served = [
      routes.length ? `Functions are called with POST: ${routes.join(', ')}; docs at /docs.` : '',
      programRoutes.length ? `WAGI programs answer any method at: ${programRoutes.join(', ')}.` : '',
    ];
    const notFound = errorAnswer('ERR_OFFLOAD_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}. ${served.filter(Boolean).join(' ')}`);
    return reply.code(notFound.statusCode).send(notFound.body);
  });

  await registerDocs(app, hosted);
  registerOperations(app, hosted, metrics, state);
  for (const pkg of hosted) registerPackageRoutes(app, pkg);
  for (const ops of ['/healthz', '/readyz', '/metrics', '/openapi.json']) knownRoutes.set(ops, { methods: ['GET', 'HEAD'] });
  for (const pkg of hosted) {
    for (const spec of pkg.functions) knownRoutes.set(routePath(pkg.name, spec.name), { methods: ['POST'], bodyLimitBytes: bodyLimitBytes(pkg.config) });
  }
  for (const pkg of programs) await registerProgramRoutes(app, pkg);

  let stopWatching: (() => void)[] = [];
  const closePackages = async (): Promise<void> => {
    for (const stop of stopWatching) stop();
    stopWatching = [];
    await Promise.all([...hosted.map((p) => p.close()), ...programs.map((p) => p.runner.close())]);
    await rm(snapshotRoot, { recursive: true, force: true });
  };

  let url: string;
  try {
    url = await app.listen({ port: options.port ?? 8080, host: options.host ?? '127.0.0.1' });
    await Promise.all(hosted.map((p) => p.start()));
  } catch (error) {
    await app.close().catch(() => undefined);
    await closePackages();
    throw error;
  }
  if (options.watch) stopWatching = hosted.map((p) => watchPackage(p));
  app.log.info({ url, packages: hosted.map((p) => p.name), docs: `${url}/docs` }, 'offload serve is ready');

  let closing: Promise<boolean> | undefined;
  const close = (deadlineMs = DEFAULT_SHUTDOWN_TIMEOUT_MS): Promise<boolean> => {
    closing ??= drain(app, state, closePackages, deadlineMs);
    return closing;
  };
  return { url, app, packages: hosted, close };
}

async function drain(app: FastifyInstance, state: ServerState, closePackages: () => Promise<void>, deadlineMs: number): Promise<boolean> {
  state.draining = true;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), deadlineMs);
  });
  // app.close() stops listening, answers new requests on open keep-alive connections with 503,
  // and resolves when every in-flight response has been sent.
  const finished = (async () => {
    await app.close();
    await closePackages();
    return true as const;
  })();
  const drained = await Promise.race([finished, deadline]);
  clearTimeout(timer);
  if (!drained) {
    app.log.error({ deadlineMs }, 'shutdown deadline passed with requests still in flight; closing their connections');
    app.server.closeAllConnections();
  }
  return drained;
}

function assertDistinctNames(packages: { name: string; dir: string }[]): void {
  const seen = new Map<string, string>();
  for (const pkg of packages) {
    const other = seen.get(pkg.name);
    if (other) {
      throw new OffloadBadArgumentError(`two packages are both named ${pkg.name} (${other} and ${pkg.dir}); their routes would clash. Serve one of them.`);
    }
    seen.set(pkg.name, pkg.dir);
  }
}
