// POST /<package>/<function> for every exported function. The route's body schema is the
// named-argument object (types from offload.json's Rust types); positional arrays and raw bytes
// are folded into that object before validation, so one schema validates every way to call,
// and docs.ts publishes each of those ways.

import type { FastifyInstance, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { fromQuery, normalizeBody, toPositional, type NamedArgs } from './arguments.js';
import type { FunctionSpec } from './function-spec.js';
import type { HostedPackage } from './hosted-package.js';
import { OffloadHttpError } from './http-error.js';
import { encodeResult, resultSchemaForDocs } from './results.js';

/** What a function route carries in its config, for metrics, logs and error messages. */
export interface CallRouteConfig {
  offload: { package: string; spec: FunctionSpec; bodyLimitBytes: number };
}

const DEFAULT_BODY_LIMIT_MB = 1;
const rawBytes = new WeakMap<FastifyRequest, Uint8Array>();

export function bodyLimitBytes(config: { bodyLimitMb?: number }): number {
  return Math.floor((config.bodyLimitMb ?? DEFAULT_BODY_LIMIT_MB) * 2 ** 20);
}

export function routePath(pkg: string, fn: string): string {
  return `/${pkg}/${fn}`;
}

export function registerPackageRoutes(app: FastifyInstance, pkg: HostedPackage): void {
  const limit = bodyLimitBytes(pkg.config);
  for (const spec of pkg.functions) {
    const config: CallRouteConfig = { offload: { package: pkg.name, spec, bodyLimitBytes: limit } };
    app.post(routePath(pkg.name, spec.name), {
      bodyLimit: limit,
      config,
      schema: {
        operationId: `${pkg.name}_${spec.name}`,
        tags: [pkg.name],
        summary: `${spec.name}(${spec.params.map((p) => `${p.name}${p.required ? '' : '?'}: ${p.typeText}`).join(', ')})`,
        ...(spec.doc ? { description: spec.doc } : {}),
        body: spec.bodySchema,
        // The raw-bytes form's query arguments are checked whatever the body, so a wrong one is
        // never silently ignored (a JSON body carries its own arguments).
        ...(spec.rawBytesParam ? { querystring: queryArgumentsSchema(spec) } : {}),
        response: spec.result.codec.kind === 'void' ? { 204: { type: 'null', description: 'No content: the function returns ()' } } : { 200: resultSchemaForDocs(spec) },
      },
      schemaErrorFormatter: (errors, dataVar) => validationError(spec, errors, dataVar),
      preValidation: async (request) => {
        const query = fromQuery(spec, request.query as Record<string, unknown>);
        const { named, rawBytes: bytes } = normalizeBody(spec, request.body, query);
        request.body = named;
        request.query = query;
        if (bytes) rawBytes.set(request, bytes);
      },
      handler: async (request, reply) => {
        const args = toPositional(spec, request.body as NamedArgs, rawBytes.get(request));
        const result = await pkg.call(spec.name, args);
        const encoded = encodeResult(spec, result);
        if (encoded.status === 204) return reply.code(204).send();
        return reply.type(encoded.contentType as string).send(encoded.payload);
      },
    });
  }
}

function queryArgumentsSchema(spec: FunctionSpec): Record<string, unknown> {
  const properties = Object.fromEntries(spec.params.filter((p) => p.name !== spec.rawBytesParam).map((p) => [p.name, p.schema]));
  return { type: 'object', properties };
}

/** Ajv's errors, reworded to name the argument and what its type is in the .d.ts. */
function validationError(spec: FunctionSpec, errors: FastifySchemaValidationError[], dataVar: string): Error {
  const first = errors[0];
  const where = `${spec.name}(${spec.params.map((p) => p.name).join(', ')})`;
  if (!first || (dataVar !== 'body' && dataVar !== 'querystring')) return new OffloadHttpError('ERR_OFFLOAD_BAD_ARGUMENT', `${where}: invalid ${dataVar}.`);
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
  // The declared type states ranges, lengths and variants already.
  const saidByType = first.keyword === 'type' || (spec.typesFrom === 'rust' && RANGE_KEYWORDS.has(first.keyword));
  const detail = inner ? ` (at /${inner}: ${first.message ?? 'invalid'})` : saidByType ? '' : ` (${first.message ?? 'invalid'})`;
  return bad(`argument "${name}" of ${where} must be ${typeOf(spec, name)}${detail}.`);
}

const RANGE_KEYWORDS = new Set(['minimum', 'maximum', 'enum', 'minLength', 'maxLength', 'pattern', 'anyOf']);

function typeOf(spec: FunctionSpec, name: string): string {
  const param = spec.params.find((p) => p.name === name);
  if (!param) return 'unknown';
  const range = rangeOf(param.schema);
  if (param.codec.kind === 'bigint') {
    return spec.typesFrom === 'rust' ? `${param.typeText} (an integer, or a decimal string${range})` : 'bigint (an integer, or a decimal string for values beyond 2^53)';
  }
  if (param.codec.kind === 'bytes' || param.codec.kind === 'typed-array') return `${param.typeText} (a JSON array of numbers)`;
  return `${param.typeText}${range ? ` (${range.slice(2)})` : ''}`;
}

/** ", from MIN to MAX" for integer schemas, one character for char, the variants of an enum. */
function rangeOf(schema: Record<string, unknown>): string {
  const plain = (schema.anyOf as Record<string, unknown>[] | undefined)?.find((m) => m.type !== 'null') ?? schema;
  const format = plain.format as string | undefined;
  if (format && /^[iu](8|16|32|64|128)$/.test(format)) {
    const bits = BigInt(format.slice(1));
    const [min, max] = format.startsWith('u') ? [0n, 2n ** bits - 1n] : [-(2n ** (bits - 1n)), 2n ** (bits - 1n) - 1n];
    return `, from ${min} to ${max}`;
  }
  if (plain.maxLength === 1) return ', exactly one character';
  if (Array.isArray(plain.enum)) return `, one of ${plain.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  if (plain.format === 'float') return ', a finite f32';
  return '';
}

function bad(message: string): OffloadHttpError {
  return new OffloadHttpError('ERR_OFFLOAD_BAD_ARGUMENT', message);
}
