// JSON Schemas as exact as the Rust types that offload.json records (wasm-bindgen's
// descriptors, see src/build/export-types.ts). Every value a schema admits is one the glue
// passes to Rust unchanged: integers within their type's range (no wrapping, no truncation),
// f32 within its finite range, char as one character, enums by variant. 64- and 128-bit
// integers are JSON integers within Number's exact range, or decimal strings for any value of
// the type (JSON numbers beyond 2^53 lose digits before anyone can check them).

import type { IntName, RustType } from '../build/export-types.js';
import { rustTypeText } from '../build/export-types.js';
import type { EnumValues } from '../package/dts.js';
import { UnsupportedTypeError, type Codec, type JsonSchema, type MappedType, type TypedArrayName } from './type-schema.js';

const INT_RANGE: Record<IntName, [bigint, bigint]> = {
  i8: [-(2n ** 7n), 2n ** 7n - 1n],
  u8: [0n, 2n ** 8n - 1n],
  i16: [-(2n ** 15n), 2n ** 15n - 1n],
  u16: [0n, 2n ** 16n - 1n],
  i32: [-(2n ** 31n), 2n ** 31n - 1n],
  u32: [0n, 2n ** 32n - 1n],
  i64: [-(2n ** 63n), 2n ** 63n - 1n],
  u64: [0n, 2n ** 64n - 1n],
  i128: [-(2n ** 127n), 2n ** 127n - 1n],
  u128: [0n, 2n ** 128n - 1n],
};

/**
 * OpenAPI `format`s naming the Rust type, for readers and generators; the ranges themselves
 * are in minimum/maximum/pattern, so the validator only needs to know the names.
 */
export const RUST_FORMATS: Record<string, true> = Object.fromEntries(
  [...Object.keys(INT_RANGE), 'float', 'double'].map((name) => [name, true as const]),
);

const BIG_INTS = new Set<IntName>(['i64', 'u64', 'i128', 'u128']);

/** The largest finite f32. */
export const F32_MAX = 3.4028234663852886e38;

const TYPED_ARRAY_OF: Partial<Record<IntName | 'f32' | 'f64', TypedArrayName>> = {
  i8: 'Int8Array',
  i16: 'Int16Array',
  u16: 'Uint16Array',
  i32: 'Int32Array',
  u32: 'Uint32Array',
  i64: 'BigInt64Array',
  u64: 'BigUint64Array',
  f32: 'Float32Array',
  f64: 'Float64Array',
};

const PLAIN: Codec = { kind: 'plain' };

/** How a float result that is not a finite number is written. */
const NON_FINITE: JsonSchema = { type: 'string', enum: ['NaN', 'Infinity', '-Infinity'], description: 'a float result that is not finite' };

export function intSchema(name: IntName): JsonSchema {
  const [min, max] = INT_RANGE[name];
  if (!BIG_INTS.has(name)) return { type: 'integer', minimum: Number(min), maximum: Number(max), format: name };
  const safe = BigInt(Number.MAX_SAFE_INTEGER);
  return {
    anyOf: [
      { type: 'integer', minimum: Number(min < -safe ? -safe : min), maximum: Number(max > safe ? safe : max), format: name },
      { type: 'string', pattern: decimalPattern(min, max), format: name, description: `a ${name} as a decimal string` },
    ],
  };
}

/** The schema of a 64/128-bit integer result: always a decimal string, so no digit is lost. */
function bigResultSchema(name: IntName): JsonSchema {
  const [min, max] = INT_RANGE[name];
  return { type: 'string', pattern: decimalPattern(min, max), format: name, description: `a ${name} as a decimal string` };
}

/**
 * A regular expression matching exactly the decimal integers in [min, max] (canonical: no
 * leading zeros, no "-0"), for the bounds of Rust's integer types (min is 0 or negative).
 */
export function decimalPattern(min: bigint, max: bigint): string {
  const positive = upTo(max.toString());
  if (min === 0n) return `^(${positive})$`;
  return `^(${positive}|-(${upTo((-min).toString()).replace(/^0\|/, '')}))$`;
}

/** Alternatives matching the decimal numbers 0..limit (limit given as its digits). */
function upTo(limit: string): string {
  const alternatives = ['0'];
  // Fewer digits than the limit: any number of that length.
  if (limit.length > 1) alternatives.push(`[1-9][0-9]{0,${limit.length - 2}}`);
  // As many digits: equal to the limit up to position i, smaller at i, anything after.
  for (let i = 0; i < limit.length; i++) {
    const digit = Number(limit[i]);
    const lowest = i === 0 ? 1 : 0;
    if (digit <= lowest) continue;
    const rest = limit.length - i - 1;
    alternatives.push(`${limit.slice(0, i)}[${lowest}-${digit - 1}]${rest ? `[0-9]{${rest}}` : ''}`);
  }
  if (limit !== '0') alternatives.push(limit);
  return alternatives.join('|');
}

/** Maps one parameter or result type; throws UnsupportedTypeError for what JSON cannot carry. */
export function mapRustType(type: RustType, enums: ReadonlyMap<string, EnumValues>, position: 'param' | 'result'): MappedType {
  switch (type.kind) {
    case 'int':
      if (BIG_INTS.has(type.name)) {
        return { schema: position === 'result' ? bigResultSchema(type.name) : intSchema(type.name), codec: { kind: 'bigint' }, nullable: false };
      }
      return { schema: intSchema(type.name), codec: PLAIN, nullable: false };
    case 'float': {
      // An argument is a finite JSON number (an f32 beyond its range would become infinity in
      // Rust). A result may be NaN or infinite, which JSON cannot write as a number: those
      // travel as the strings below (results.ts), declared here so clients expect them.
      const number = type.name === 'f32' ? { type: 'number', minimum: -F32_MAX, maximum: F32_MAX, format: 'float' } : { type: 'number', format: 'double' };
      const schema = position === 'result' ? { anyOf: [number, NON_FINITE] } : number;
      return { schema, codec: PLAIN, nullable: false };
    }
    case 'bool':
      return { schema: { type: 'boolean' }, codec: PLAIN, nullable: false };
    case 'char':
      // JSON Schema counts code points, as Rust's char does (one Unicode scalar value).
      return { schema: { type: 'string', minLength: 1, maxLength: 1, description: 'one character (a Rust char)' }, codec: PLAIN, nullable: false };
    case 'string':
      return { schema: { type: 'string' }, codec: PLAIN, nullable: false };
    case 'unit':
      return { schema: { type: 'null' }, codec: { kind: 'void' }, nullable: true };
    case 'option': {
      const inner = mapRustType(type.inner, enums, position);
      return { schema: { anyOf: [inner.schema, { type: 'null' }] }, codec: inner.codec, nullable: true };
    }
    case 'result':
      // Err(...) answers 422; the schema describes the Ok value.
      if (position === 'param') throw new UnsupportedTypeError('a Result cannot be an argument');
      return mapRustType(type.ok, enums, position);
    case 'vec':
      return mapVec(type, enums, position);
    case 'enum': {
      const found = enums.get(type.name);
      if (found?.kind !== 'numeric') throw new UnsupportedTypeError(`the variants of enum ${type.name} are not in the .d.ts`);
      const names = found.variants.map((v) => `${v.name} = ${v.value}`).join(', ');
      return {
        schema: { type: 'integer', enum: found.variants.map((v) => v.value), 'x-enum-varnames': found.variants.map((v) => v.name), description: `${type.name}: ${names}` },
        codec: PLAIN,
        nullable: false,
      };
    }
    case 'string-enum': {
      const found = enums.get(type.name);
      if (found?.kind !== 'string') throw new UnsupportedTypeError(`the variants of enum ${type.name} are not in the .d.ts`);
      return { schema: { type: 'string', enum: found.values, description: `${type.name}` }, codec: PLAIN, nullable: false };
    }
    case 'jsvalue':
      // Any JSON value; what the function makes of it is its own business (Err → 422).
      return { schema: {}, codec: PLAIN, nullable: false };
    case 'js':
      return mapJsType(type.name);
    case 'struct':
      throw new UnsupportedTypeError(`${rustTypeText(type)} is a Rust object that lives in one instance's memory and has no JSON form`);
    case 'closure':
    case 'function':
      throw new UnsupportedTypeError('JS functions (callbacks) cannot travel over HTTP');
  }
}

function mapVec(type: Extract<RustType, { kind: 'vec' }>, enums: ReadonlyMap<string, EnumValues>, position: 'param' | 'result'): MappedType {
  const element = type.element;
  if (element.kind === 'int' && element.name === 'u8') {
    const ctor: TypedArrayName = type.clamped ? 'Uint8ClampedArray' : 'Uint8Array';
    return { schema: { type: 'array', items: intSchema('u8') }, codec: type.clamped ? { kind: 'typed-array', ctor } : { kind: 'bytes' }, nullable: false };
  }
  if (element.kind === 'int' || element.kind === 'float') {
    const ctor = TYPED_ARRAY_OF[element.name];
    if (!ctor) throw new UnsupportedTypeError(`vectors of ${element.name} are not supported over HTTP`);
    const items = mapRustType(element, enums, position).schema;
    return { schema: { type: 'array', items }, codec: { kind: 'typed-array', ctor }, nullable: false };
  }
  // Vec<String> and Vec<JsValue> are plain JS arrays of those values.
  if (element.kind === 'js' && element.name === 'string') return { schema: { type: 'array', items: { type: 'string' } }, codec: PLAIN, nullable: false };
  if (element.kind === 'jsvalue') return { schema: { type: 'array' }, codec: PLAIN, nullable: false };
  throw new UnsupportedTypeError(`${rustTypeText(type)} is not supported over HTTP`);
}

/** js-sys types by the name the glue gives them: the ones that are JSON values or typed arrays. */
function mapJsType(name: string): MappedType {
  if (name === 'string') return { schema: { type: 'string' }, codec: PLAIN, nullable: false };
  if (name === 'number') return { schema: { type: 'number' }, codec: PLAIN, nullable: false };
  if (name === 'boolean') return { schema: { type: 'boolean' }, codec: PLAIN, nullable: false };
  if (/^(Array|any\[\]|Array<any>)$/.test(name) || name === 'Array<any>') return { schema: { type: 'array' }, codec: PLAIN, nullable: false };
  const typed: Record<string, IntName | 'f32' | 'f64'> = {
    Int8Array: 'i8',
    Int16Array: 'i16',
    Uint16Array: 'u16',
    Int32Array: 'i32',
    Uint32Array: 'u32',
    BigInt64Array: 'i64',
    BigUint64Array: 'u64',
    Float32Array: 'f32',
    Float64Array: 'f64',
  };
  if (name === 'Uint8Array') return { schema: { type: 'array', items: intSchema('u8') }, codec: { kind: 'bytes' }, nullable: false };
  if (name === 'Uint8ClampedArray') return { schema: { type: 'array', items: intSchema('u8') }, codec: { kind: 'typed-array', ctor: 'Uint8ClampedArray' }, nullable: false };
  const element = typed[name];
  if (element) {
    const ctor = TYPED_ARRAY_OF[element] as TypedArrayName;
    const items = element === 'f32' || element === 'f64' ? { anyOf: [{ type: 'number' }, NON_FINITE] } : intSchema(element as IntName);
    return { schema: { type: 'array', items }, codec: { kind: 'typed-array', ctor }, nullable: false };
  }
  throw new UnsupportedTypeError(`${name} values cannot travel over HTTP`);
}
