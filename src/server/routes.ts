// POST /<package>/<function> for every exported function. The route's body schema is the
// named-argument object from the .d.ts; positional arrays and raw bytes are folded into that
// object before validation, so one schema validates (and documents) every way to call.

import type { FastifyInstance, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { normalizeBody, toPositional, type NamedArgs } from './arguments.js';
import type { FunctionSpec } from './function-spec.js';
import type { HostedPackage } from './hosted-package.js';
import { HttpError } from './http-error.js';
import { encodeResult, resultSchemaForDocs } from './results.js';

/** What a function route carries in its config, for metrics, logs and error messages. */
export interface CallRouteConfig {
  offload: { package: string; spec: FunctionSpec; bodyLimitBytes: number };
}

const DEFAULT_BODY_LIMIT_MB = 1;
const rawBytes = new WeakMap<FastifyRequest, Uint8Array>();

export function routePath(pkg: string, fn: string): string {
  return `/${pkg}/${fn}`;
}

export function registerPackageRoutes(app: FastifyInstance, pkg: HostedPackage): void {
  const bodyLimitBytes = Math.floor((pkg.config.bodyLimitMb ?? DEFAULT_BODY_LIMIT_MB) * 2 ** 20);
  for (const spec of pkg.functions) {
    const config: CallRouteConfig = { offload: { package: pkg.name, spec, bodyLimitBytes } };
    app.post(routePath(pkg.name, spec.name), {
      bodyLimit: bodyLimitBytes,
      config,
      schema: {
        operationId: `${pkg.name}_${spec.name}`,
        tags: [pkg.name],
        summary: `${spec.name}(${spec.params.map((p) => `${p.name}${p.required ? '' : '?'}: ${p.typeText}`).join(', ')})`,
        ...(spec.doc ? { description: spec.doc } : {}),
        body: spec.bodySchema,
        response: { 200: resultSchemaForDocs(spec) },
      },
      schemaErrorFormatter: (errors, dataVar) => validationError(spec, errors, dataVar),
      preValidation: async (request) => {
        const { named, rawBytes: bytes } = normalizeBody(spec, request.body, request.query as Record<string, unknown>);
        request.body = named;
        if (bytes) rawBytes.set(request, bytes);
      },
      handler: async (request, reply) => {
        const args = toPositional(spec, request.body as NamedArgs, rawBytes.get(request));
        const result = await pkg.call(spec.name, args);
        const encoded = encodeResult(spec, result);
        return reply.type(encoded.contentType).send(encoded.payload);
      },
    });
  }
}

/** Ajv's errors, reworded to name the argument and what its type is in the .d.ts. */
function validationError(spec: FunctionSpec, errors: FastifySchemaValidationError[], dataVar: string): Error {
  const first = errors[0];
  const where = `${spec.name}(${spec.params.map((p) => p.name).join(', ')})`;
  if (!first || dataVar !== 'body') return new HttpError(400, 'ERR_OFFLOAD_BAD_ARGUMENT', `${where}: invalid ${dataVar}.`);
  const params = first.params as Record<string, unknown>;
  if (first.keyword === 'required') {
    const name = String(params.missingProperty);
    return bad(`missing argument "${name}" (${typeOf(spec, name)}) for ${where}.`);
  }
  if (first.keyword === 'additionalProperties') {
    return bad(`unknown argument "${String(params.additionalProperty)}" for ${where}.`);
  }
  const name = decodeURIComponent(first.instancePath.split('/')[1] ?? '').replaceAll('~1', '/').replaceAll('~0', '~');
  if (!name) {
    return bad(`the body for ${where} must be a JSON array of arguments or a JSON object of named arguments.`);
  }
  const inner = first.instancePath.split('/').slice(2).join('/');
  // A plain type mismatch is fully said by the declared type; other rules (ranges, array
  // items) add what Ajv found.
  const detail = inner ? ` (at /${inner}: ${first.message ?? 'invalid'})` : first.keyword === 'type' ? '' : ` (${first.message ?? 'invalid'})`;
  return bad(`argument "${name}" of ${where} must be ${typeOf(spec, name)}${detail}.`);
}

function typeOf(spec: FunctionSpec, name: string): string {
  const param = spec.params.find((p) => p.name === name);
  if (!param) return 'unknown';
  if (param.codec.kind === 'bigint') return 'bigint (an integer, or a decimal string for values beyond 2^53)';
  if (param.codec.kind === 'bytes' || param.codec.kind === 'typed-array') return `${param.typeText} (a JSON array of numbers)`;
  return param.typeText;
}

function bad(message: string): HttpError {
  return new HttpError(400, 'ERR_OFFLOAD_BAD_ARGUMENT', message);
}
