// A call's arguments arrive in one of three shapes; all are normalised to the named-argument
// object the route's schema validates, so every shape gets the same checks and the same
// messages. After validation the object becomes the positional list the runtime takes.

import type { FunctionSpec, ParamSpec } from './function-spec.js';
import { OffloadHttpError } from './http-error.js';

export type NamedArgs = Record<string, unknown>;

/**
 * Body shapes: a JSON array (positional), a JSON object (named), or, for a function with one
 * bytes parameter, the raw bytes with the other arguments in the query string. Raw bytes are
 * returned aside: the schema only sees an empty placeholder for them, because it describes
 * the JSON form (an array of byte values) and a Buffer is not one.
 */
export function normalizeBody(
  spec: FunctionSpec,
  body: unknown,
  /** The query string's arguments, already converted by fromQuery. */
  query: NamedArgs,
): { named: unknown; rawBytes: Uint8Array | undefined } {
  if (Buffer.isBuffer(body)) {
    if (!spec.rawBytesParam) {
      throw new OffloadHttpError('ERR_OFFLOAD_UNSUPPORTED_MEDIA_TYPE', `${spec.name} takes a JSON body (an array or object of arguments), not raw bytes.`);
    }
    const named: NamedArgs = { ...query };
    named[spec.rawBytesParam] = [];
    // A copy, so the worker receives exactly these bytes and not Node's pooled buffer around them.
    return { named, rawBytes: new Uint8Array(body) };
  }
  if (body === undefined) return { named: {}, rawBytes: undefined };
  if (Array.isArray(body)) {
    if (body.length > spec.params.length) {
      throw new OffloadHttpError(
        'ERR_OFFLOAD_BAD_ARGUMENT',
        `${spec.name} takes ${spec.params.length} argument(s) (${spec.params.map((p) => p.name).join(', ') || 'none'}), got ${body.length}.` +
          // The usual slip: an array argument sent as the whole body instead of inside it.
          (spec.params[0]?.schema.type === 'array' ? ` A JSON array body lists the arguments: send [[...]] to pass "${spec.params[0].name}" as an array.` : ''),
      );
    }
    const named: NamedArgs = {};
    // JSON has no undefined: a trailing null for an optional parameter means "left out".
    body.forEach((value, i) => {
      const param = spec.params[i] as ParamSpec;
      if (!(value === null && !param.required)) named[param.name] = value;
    });
    return { named, rawBytes: undefined };
  }
  return { named: body, rawBytes: undefined };
}

/** Query values are strings; scalars are converted by declared type so the schema can judge them. */
export function fromQuery(spec: FunctionSpec, query: Record<string, unknown>): NamedArgs {
  const named: NamedArgs = {};
  for (const [key, raw] of Object.entries(query)) {
    const param = spec.params.find((p) => p.name === key);
    // Unknown names are kept so the schema reports them as unknown parameters.
    if (!param || typeof raw !== 'string') {
      named[key] = raw;
      continue;
    }
    named[key] = fromQueryString(param, raw);
  }
  return named;
}

function fromQueryString(param: ParamSpec, raw: string): unknown {
  // 64/128-bit integers accept decimal strings, which keep every digit.
  if (param.codec.kind === 'bigint') return raw;
  switch (scalarType(param.schema)) {
    case 'number':
    case 'integer': {
      const value = Number(raw);
      return raw.trim() !== '' && Number.isFinite(value) ? value : raw;
    }
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    default:
      return raw;
  }
}

/** The JSON type of a scalar schema, looking through Option's `anyOf: [T, null]`. */
function scalarType(schema: Record<string, unknown>): unknown {
  if (schema.type !== undefined) return schema.type;
  const members = (schema.anyOf as Record<string, unknown>[] | undefined) ?? [];
  return members.find((m) => m.type !== 'null')?.type;
}

/** After validation: the positional arguments, each converted to what the glue expects. */
export function toPositional(spec: FunctionSpec, named: NamedArgs, rawBytes: Uint8Array | undefined): unknown[] {
  const args = spec.params.map((param) => {
    if (param.name === spec.rawBytesParam && rawBytes) return rawBytes;
    const value = named[param.name];
    if (value === undefined || value === null) return undefined;
    switch (param.codec.kind) {
      case 'bigint':
        return BigInt(value as string | number);
      case 'bytes':
        return Uint8Array.from(value as number[]);
      case 'typed-array': {
        // One signature for all eleven constructors: TypeScript cannot unify their `from` overloads.
        const ctor = globalThis[param.codec.ctor] as unknown as { from(items: ArrayLike<unknown>): unknown };
        const big = param.codec.ctor.startsWith('Big');
        return ctor.from((value as (number | string)[]).map((v) => (big ? BigInt(v) : v)));
      }
      default:
        return value;
    }
  });
  // Trailing left-out arguments are dropped so the glue sees them as not passed.
  while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
  return args;
}
