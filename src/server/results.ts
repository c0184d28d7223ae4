// A call's result as the HTTP client receives it: bytes as application/octet-stream, a unit
// result `()` as 204 with no body, all else as JSON. JSON has no bigint, typed array, Map or
// undefined, so those are translated the same way the OpenAPI document describes them.
// JSON has no NaN or Infinity either (JSON.stringify would write a silent `null`): a float
// result that is not finite travels as the string "NaN", "Infinity" or "-Infinity", which the
// result's schema declares (see rust-schema.ts), so a client can tell it from a number.

import type { FunctionSpec } from './function-spec.js';

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
  const payload = JSON.stringify(value ?? null, jsonReplacer);
  return { status: 200, contentType: 'application/json; charset=utf-8', payload };
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' || !Number.isFinite(v) ? String(v) : v));
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
