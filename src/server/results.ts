// A call's result as the HTTP client receives it: bytes as application/octet-stream, a unit
// result `()` as 204 with no body, all else as JSON. JSON has no bigint, typed array, Map or
// undefined, so those are translated the same way the OpenAPI document describes them.
// JSON has no NaN or Infinity either: rather than JSON.stringify's silent `null` inside an
// array the schema says holds numbers, such a result is a 500 ERR_OFFLOAD_NON_FINITE naming
// the function (a documented choice: the value cannot be sent as the schema promises).

import type { FunctionSpec } from './function-spec.js';
import { HttpError } from './http-error.js';

export interface EncodedResult {
  status: 200 | 204;
  contentType?: string;
  payload?: string | Buffer;
}

export function encodeResult(spec: FunctionSpec, value: unknown): EncodedResult {
  if (spec.result.codec.kind === 'void' && value === undefined) return { status: 204 };
  if (spec.result.codec.kind === 'bytes' && value instanceof Uint8Array) {
    return { status: 200, contentType: 'application/octet-stream', payload: Buffer.from(value.buffer, value.byteOffset, value.byteLength) };
  }
  let nonFinite: number | undefined;
  const payload = JSON.stringify(value ?? null, (key, item: unknown) => {
    const replaced = jsonReplacer(key, item);
    if (typeof replaced === 'number' && !Number.isFinite(replaced)) nonFinite ??= replaced;
    return replaced;
  });
  if (nonFinite !== undefined) {
    throw new HttpError(
      500,
      'ERR_OFFLOAD_NON_FINITE',
      `${spec.name} returned ${String(nonFinite)}, which JSON cannot represent; the function must return finite numbers to be called over HTTP.`,
    );
  }
  return { status: 200, contentType: 'application/json; charset=utf-8', payload };
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' ? v.toString() : v));
  }
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  return value;
}

/** The JSON Schema of the response body, for the docs (bigint results travel as strings). */
export function resultSchemaForDocs(spec: FunctionSpec): Record<string, unknown> {
  if (spec.result.codec.kind === 'bigint' && spec.typesFrom === 'dts') return { type: 'string', pattern: '^-?[0-9]+$' };
  return spec.result.schema;
}
