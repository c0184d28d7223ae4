// The OpenAPI 3.1 document (/openapi.json) and the interactive docs (/docs), both generated
// from the route schemas, which come from the exact Rust types in offload.json. Swagger UI's files are served from the
// @fastify/swagger-ui package itself, so the docs work with no network access.

import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { HostedPackage } from './hosted-package.js';
import type { FunctionSpec } from './function-spec.js';
import { routePath } from './routes.js';
import { OFFLOAD_VERSION } from '../version.js';

type OpenApi = Record<string, unknown> & { paths?: Record<string, Record<string, Record<string, unknown>>> };

const errorSchema = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string', description: 'Stable error code, e.g. ERR_OFFLOAD_TIMEOUT' },
    message: { type: 'string' },
    function: { type: 'string' },
    panicMessage: { type: 'string', description: 'The Rust panic message, for ERR_OFFLOAD_TRAP' },
  },
  required: ['statusCode', 'code', 'message'],
};

const ERROR_RESPONSES: Record<string, string> = {
  '400': 'A missing, unknown or mistyped argument (ERR_OFFLOAD_BAD_ARGUMENT); the message names it.',
  '413': 'The request body is larger than the package’s body limit.',
  '415': 'A body type this function does not take (JSON, or application/octet-stream for a single-bytes function).',
  '422': 'The Rust function returned an error (ERR_OFFLOAD_GUEST_ERROR).',
  '500': 'The call trapped (ERR_OFFLOAD_TRAP, with the panic message), hit its memory cap (ERR_OFFLOAD_MEMORY), or returned NaN or Infinity (ERR_OFFLOAD_NON_FINITE).',
  '503': 'The queue is full (ERR_OFFLOAD_QUEUE_FULL), the call waited too long for a thread (ERR_OFFLOAD_QUEUE_TIMEOUT), or the server is loading or shutting down; see Retry-After.',
  '504': 'The call ran past its timeout (ERR_OFFLOAD_TIMEOUT); its worker was replaced.',
};

export async function registerDocs(app: FastifyInstance, packages: readonly HostedPackage[]): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: `offload: ${packages.map((p) => p.name).join(', ')}`,
        description:
          'Rust functions compiled to WebAssembly, served by offload. Each function takes a JSON array of positional ' +
          'arguments or a JSON object of named arguments, and answers with its result as JSON (bytes as application/octet-stream).',
        version: OFFLOAD_VERSION,
      },
      tags: packages.map((p) => ({ name: p.name, description: `Functions exported by ${p.name}` })),
    },
    transformObject: (document) => describeTransport(('openapiObject' in document ? document.openapiObject : {}) as OpenApi, packages) as never,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { tryItOutEnabled: true } });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

/**
 * What the route schemas cannot say by themselves: raw-bytes bodies with their other
 * arguments in the query string, bytes results, and the error answers every call may give.
 */
function describeTransport(doc: OpenApi, packages: readonly HostedPackage[]): OpenApi {
  for (const pkg of packages) {
    for (const spec of pkg.functions) {
      const operation = doc.paths?.[routePath(pkg.name, spec.name)]?.post;
      if (!operation) continue;
      describeBody(operation, spec);
      const responses = (operation.responses ??= {}) as Record<string, unknown>;
      if (spec.result.codec.kind === 'bytes') {
        responses['200'] = { description: 'The result bytes', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } };
      }
      if (spec.result.codec.kind === 'void') responses['204'] = { description: 'Done; the function returns () and the answer has no body' };
      for (const [status, description] of Object.entries(ERROR_RESPONSES)) {
        responses[status] = { description, content: { 'application/json': { schema: errorSchema } }, ...(status === '503' ? { headers: RETRY_AFTER } : {}) };
      }
    }
  }
  return doc;
}

const RETRY_AFTER = { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } };

/**
 * Every body the route accepts, and only those: the named-argument object, the positional
 * array, and for a single-bytes function the raw bytes with the other arguments in the query.
 */
function describeBody(operation: Record<string, unknown>, spec: FunctionSpec): void {
  const named = spec.bodySchema;
  const content: Record<string, unknown> = {
    'application/json': { schema: { anyOf: [named, spec.positionalSchema], description: 'The arguments by name, or in order as an array' } },
  };
  if (spec.rawBytesParam) {
    content['application/octet-stream'] = { schema: { type: 'string', format: 'binary', description: `${spec.rawBytesParam}, as raw bytes` } };
    operation.parameters = spec.params
      .filter((p) => p.name !== spec.rawBytesParam)
      .map((p) => ({
        name: p.name,
        in: 'query',
        // Query arguments belong to the octet-stream form only; a JSON body carries its own.
        required: false,
        description: `${p.typeText}; with an application/octet-stream body only, where it is ${p.required ? 'required' : 'optional'}`,
        schema: p.schema,
      }));
  }
  // A function whose arguments may all be left out takes no body at all.
  const required = spec.params.some((p) => p.required);
  operation.requestBody = { required, content };
}
