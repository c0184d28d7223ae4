// What the server knows about one exported function: its parameters with their schemas and
// codecs, the request-body schema that validates a call, and the result's schema. Parameter
// names and doc comments come from the package's exports; types come from the exact Rust
// types that `offload build` recorded in offload.json (wasm-bindgen's descriptors), and only
// where those are missing (a package built by plain wasm-bindgen) from the TypeScript types,
// whose `number` cannot say u8 from f64. Validation and the OpenAPI document both read these
// specs, so they cannot drift.

import { rustTypeText, type ExportType } from '../build/export-types.js';
import type { PackageApi } from '../package/api.js';
import { enumsOf, type EnumValues, type ExportedFunction } from '../package/dts.js';
import { mapRustType } from './rust-schema.js';
import { mapType, UnsupportedTypeError, type Codec, type JsonSchema, type MappedType } from './type-schema.js';

export interface ParamSpec {
  name: string;
  /** The parameter's type as docs and messages show it: Rust's spelling when known. */
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
  /** The same arguments as a JSON array, in order (the positional form). */
  positionalSchema: JsonSchema;
  result: { schema: JsonSchema; codec: Codec; typeText: string };
  /** The one bytes parameter that may arrive as a raw application/octet-stream body. */
  rawBytesParam: string | undefined;
  /** Where the types came from: the Rust descriptors, or the .d.ts alone. */
  typesFrom: 'rust' | 'dts';
  async: boolean;
}

export interface SkippedExport {
  name: string;
  reason: string;
}


/** `init`: the package's init export (serve config), which each instance runs once and HTTP does not offer. */
export function functionSpecs(api: PackageApi, init?: string): { functions: FunctionSpec[]; skipped: SkippedExport[] } {
  const functions: FunctionSpec[] = [];
  const skipped: SkippedExport[] = [];
  const enums = enumsOf(api.exports);
  const rustTypes = api.rustTypes;
  // `#[wasm_bindgen(start)]` runs once at instantiation; calling it again is not an API. Without
  // offload.json to name it, wasm-bindgen's conventional name stands in.
  const notRouted = new Set(['__wbindgen_start', api.startFunction ?? 'start']);
  for (const item of api.exports) {
    if (item.kind === 'class') {
      skipped.push({ name: item.name, reason: 'a class keeps its state in one instance, which HTTP calls spread over a pool cannot share' });
      continue;
    }
    if (item.kind !== 'function' || notRouted.has(item.name)) continue;
    if (item.name === init) {
      skipped.push({ name: item.name, reason: 'it is the init function, which each instance runs once as it starts' });
      continue;
    }
    try {
      const rust = rustTypes?.functions[item.name];
      functions.push(rust && rust.params.length === item.params.length ? specFromRust(item, rust, enums) : specFromDts(item));
    } catch (error) {
      if (!(error instanceof UnsupportedTypeError)) throw error;
      skipped.push({ name: item.name, reason: error.message });
    }
  }
  return { functions, skipped };
}

function specFromRust(fn: ExportedFunction, rust: ExportType, enums: ReadonlyMap<string, EnumValues>): FunctionSpec {
  const params = fn.params.map((param, i): ParamSpec => {
    const type = rust.params[i];
    if (!type) throw new UnsupportedTypeError(`parameter ${param.name} has no Rust type`);
    const mapped = mapRustType(type, enums, 'param');
    return { name: param.name, typeText: rustTypeText(type), schema: mapped.schema, codec: mapped.codec, required: !mapped.nullable };
  });
  const result = mapRustType(rust.result, enums, 'result');
  return assemble(fn, params, result, rustTypeText(rust.result), 'rust', rust.async);
}

function specFromDts(fn: ExportedFunction): FunctionSpec {
  const params = fn.params.map((param): ParamSpec => {
    const mapped = mapType(param.type);
    return { name: param.name, typeText: param.type, schema: mapped.schema, codec: mapped.codec, required: !param.optional && !mapped.nullable };
  });
  const isAsync = /^Promise<.*>$/.test(fn.returns);
  const returns = isAsync ? fn.returns.slice('Promise<'.length, -1) : fn.returns;
  return assemble(fn, params, mapType(returns), returns, 'dts', isAsync);
}

function assemble(fn: ExportedFunction, params: ParamSpec[], result: MappedType, resultText: string, typesFrom: 'rust' | 'dts', isAsync: boolean): FunctionSpec {
  const properties: Record<string, JsonSchema> = {};
  for (const param of params) properties[param.name] = param.schema;
  const bytesParams = params.filter((p) => p.codec.kind === 'bytes');
  // Trailing optional arguments may be left out of the array; earlier ones are sent as null.
  const lastRequired = params.map((p) => p.required).lastIndexOf(true);
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
    // OpenAPI's meta-schema wants a non-empty prefixItems: no arguments is an empty array.
    positionalSchema:
      params.length === 0
        ? { type: 'array', maxItems: 0 }
        : { type: 'array', prefixItems: params.map((p) => p.schema), items: false, minItems: lastRequired + 1, maxItems: params.length },
    result: { schema: result.schema, codec: result.codec, typeText: resultText },
    // The other parameters then travel in the query string, which only holds scalars.
    rawBytesParam: bytesParams.length === 1 && params.every((p) => p.codec.kind === 'bytes' || isScalar(p)) ? bytesParams[0]?.name : undefined,
    typesFrom,
    async: isAsync,
  };
}

function isScalar(param: ParamSpec): boolean {
  const schema = param.schema;
  const type = schema.type;
  return param.codec.kind === 'bigint' || type === 'string' || type === 'number' || type === 'integer' || type === 'boolean';
}
