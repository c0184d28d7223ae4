// The endpoints an orchestrator polls. /healthz: the process answers (liveness). /readyz:
// every package is compiled and has its workers, and the server is not shutting down
// (readiness; a load balancer stops sending traffic on 503). /metrics: Prometheus text.

import type { FastifyInstance } from 'fastify';
import type { HostedPackage } from './hosted-package.js';
import type { ServerMetrics } from './metrics.js';

export interface ServerState {
  draining: boolean;
}

const opsSchema = (summary: string) => ({ tags: ['operations'], summary });

export function registerOperations(app: FastifyInstance, packages: readonly HostedPackage[], metrics: ServerMetrics, state: ServerState): void {
  app.get('/healthz', { schema: opsSchema('Liveness: 200 while the process serves HTTP') }, async () => ({ status: 'ok' }));

  const readiness = {
    type: 'object',
    properties: {
      status: { type: 'string', enum: ['ready', 'loading', 'shutting down'] },
      packages: { type: 'object', additionalProperties: { type: 'object', properties: { ready: { type: 'boolean' }, generation: { type: 'integer' } } } },
    },
    required: ['status', 'packages'],
  };
  const readySchema = {
    ...opsSchema('Readiness: 200 once every package is loaded, 503 while loading or shutting down'),
    response: { 200: { description: 'Ready', ...readiness }, 503: { description: 'Loading, or shutting down: send traffic elsewhere', ...readiness } },
  };
  app.get('/readyz', { schema: readySchema }, async (_request, reply) => {
    const pending = packages.filter((p) => !p.ready).map((p) => p.name);
    const ready = !state.draining && pending.length === 0;
    const body = {
      status: ready ? 'ready' : state.draining ? 'shutting down' : 'loading',
      packages: Object.fromEntries(packages.map((p) => [p.name, { ready: p.ready, generation: p.generation }])),
    };
    return reply.code(ready ? 200 : 503).send(body);
  });

  app.get('/metrics', { schema: opsSchema('Prometheus metrics') }, async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}
