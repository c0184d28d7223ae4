// A call's result as the HTTP client receives it: bytes as application/octet-stream, all else
// as JSON. JSON has no bigint, typed array, Map or undefined, so those are translated the same
// way the OpenAPI document describes them.

import type { FunctionSpec } from './function-spec.js';

export interface EncodedResult {
  contentType: string;
  payload: string | Buffer;
}

export function encodeResult(spec: FunctionSpec, value: unknown): EncodedResult {
  if (spec.result.codec.kind === 'bytes' && value instanceof Uint8Array) {
    return { contentType: 'application/octet-stream', payload: Buffer.from(value.buffer, value.byteOffset, value.byteLength) };
  }
  return { contentType: 'application/json; charset=utf-8', payload: JSON.stringify(value ?? null, jsonReplacer) };
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
  if (spec.result.codec.kind === 'bigint') return { type: 'string', pattern: '^-?[0-9]+$' };
  return spec.result.schema;
}
