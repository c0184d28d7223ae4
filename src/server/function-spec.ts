// What the server knows about one exported function: its parameters with their schemas and
// codecs, the request-body schema that validates a call, and the result's schema. Everything
// here comes from the package's .d.ts, so validation and the OpenAPI document cannot drift.

import { exportsFromDts, type ExportedFunction } from '../build/dts.js';
import { mapType, UnsupportedTypeError, type Codec, type JsonSchema } from './type-schema.js';

export interface ParamSpec {
  name: string;
  /** The parameter's TypeScript type as the .d.ts spells it, for messages and docs. */
  typeText: string;
  schema: JsonSchema;
  codec: Codec;
  required: boolean;
}

export interface FunctionSpec {
  name: string;
  doc: string | undefined;
  params: ParamSpec[];
  /** Named-argument object: what every request body is normalised to before validation. */
  bodySchema: JsonSchema;
  result: { schema: JsonSchema; codec: Codec };
  /** The one bytes parameter that may arrive as a raw application/octet-stream body. */
  rawBytesParam: string | undefined;
}

export interface SkippedExport {
  name: string;
  reason: string;
}

/** wasm-bindgen's `#[wasm_bindgen(start)]` runs once at instantiation; calling it again is not an API. */
const NOT_ROUTED = new Set(['start', '__wbindgen_start']);

export function functionSpecs(dtsText: string, fileName: string): { functions: FunctionSpec[]; skipped: SkippedExport[] } {
  const functions: FunctionSpec[] = [];
  const skipped: SkippedExport[] = [];
  for (const item of exportsFromDts(dtsText, fileName)) {
    if (item.kind === 'class') {
      skipped.push({ name: item.name, reason: 'classes keep state in one instance and are not served over HTTP' });
      continue;
    }
    if (item.kind !== 'function' || NOT_ROUTED.has(item.name)) continue;
    try {
      functions.push(specFor(item));
    } catch (error) {
      if (!(error instanceof UnsupportedTypeError)) throw error;
      skipped.push({ name: item.name, reason: error.message });
    }
  }
  return { functions, skipped };
}

function specFor(fn: ExportedFunction): FunctionSpec {
  const params = fn.params.map((param): ParamSpec => {
    const mapped = mapType(param.type);
    return { name: param.name, typeText: param.type, schema: mapped.schema, codec: mapped.codec, required: !param.optional && !mapped.nullable };
  });
  const properties: Record<string, JsonSchema> = {};
  for (const param of params) properties[param.name] = param.schema;
  const bytesParams = params.filter((p) => p.codec.kind === 'bytes');
  const result = mapType(fn.returns);
  return {
    name: fn.name,
    doc: fn.doc,
    params,
    bodySchema: {
      type: 'object',
      properties,
      required: params.filter((p) => p.required).map((p) => p.name),
      additionalProperties: false,
    },
    result: { schema: result.schema, codec: result.codec },
    // The other parameters then travel in the query string, which only holds scalars.
    rawBytesParam: bytesParams.length === 1 && params.every((p) => p.codec.kind === 'bytes' || isScalar(p)) ? bytesParams[0]?.name : undefined,
  };
}

function isScalar(param: ParamSpec): boolean {
  const type = param.schema.type;
  return param.codec.kind === 'bigint' || type === 'string' || type === 'number' || type === 'boolean';
}
