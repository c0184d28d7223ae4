// Turns the TypeScript type text of one parameter or result (as wasm-bindgen writes it in the
// .d.ts, and `offload build` copies into offload.json) into a JSON Schema plus the codec the
// HTTP layer needs to move the value between JSON and the runtime. The type is parsed with
// TypeScript's compiler API rather than pattern-matched, so `Float64Array | number[]`,
// `string | null` and `bigint[]` are all read the same way tsc reads them.

import ts from 'typescript';

export type JsonSchema = Record<string, unknown>;

/** How a value crosses between JSON and the runtime. */
export type Codec =
  | { kind: 'plain' }
  | { kind: 'bigint' }
  | { kind: 'typed-array'; ctor: TypedArrayName }
  | { kind: 'bytes' }
  | { kind: 'void' };

export interface MappedType {
  schema: JsonSchema;
  codec: Codec;
  /** The type admits undefined or null, so the argument may be left out. */
  nullable: boolean;
}

export class UnsupportedTypeError extends Error {}

export type TypedArrayName =
  | 'Int8Array'
  | 'Uint8Array'
  | 'Uint8ClampedArray'
  | 'Int16Array'
  | 'Uint16Array'
  | 'Int32Array'
  | 'Uint32Array'
  | 'Float32Array'
  | 'Float64Array'
  | 'BigInt64Array'
  | 'BigUint64Array';

/** Element ranges, so a JSON array that would be silently wrapped by the typed array is rejected. */
const TYPED_ARRAYS: Record<TypedArrayName, JsonSchema> = {
  Int8Array: { type: 'integer', minimum: -128, maximum: 127 },
  Uint8Array: { type: 'integer', minimum: 0, maximum: 255 },
  Uint8ClampedArray: { type: 'integer', minimum: 0, maximum: 255 },
  Int16Array: { type: 'integer', minimum: -32768, maximum: 32767 },
  Uint16Array: { type: 'integer', minimum: 0, maximum: 65535 },
  Int32Array: { type: 'integer', minimum: -2147483648, maximum: 2147483647 },
  Uint32Array: { type: 'integer', minimum: 0, maximum: 4294967295 },
  Float32Array: { type: 'number' },
  Float64Array: { type: 'number' },
  BigInt64Array: bigintSchema(),
  BigUint64Array: bigintSchema(),
};

function bigintSchema(): JsonSchema {
  // JSON numbers lose precision above 2^53, so big values travel as decimal strings.
  return { anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^-?[0-9]+$' }] };
}

const PLAIN: Codec = { kind: 'plain' };

export function mapType(typeText: string): MappedType {
  const source = ts.createSourceFile('type.ts', `type T = ${typeText};`, ts.ScriptTarget.Latest, false);
  const statement = source.statements[0];
  if (!statement || !ts.isTypeAliasDeclaration(statement)) throw new UnsupportedTypeError(`cannot parse type ${typeText}`);
  return mapNode(statement.type, source);
}

function mapNode(node: ts.TypeNode, source: ts.SourceFile): MappedType {
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword:
      return { schema: { type: 'string' }, codec: PLAIN, nullable: false };
    case ts.SyntaxKind.NumberKeyword:
      return { schema: { type: 'number' }, codec: PLAIN, nullable: false };
    case ts.SyntaxKind.BooleanKeyword:
      return { schema: { type: 'boolean' }, codec: PLAIN, nullable: false };
    case ts.SyntaxKind.BigIntKeyword:
      return { schema: bigintSchema(), codec: { kind: 'bigint' }, nullable: false };
    case ts.SyntaxKind.AnyKeyword:
    case ts.SyntaxKind.UnknownKeyword:
      return { schema: {}, codec: PLAIN, nullable: true };
    case ts.SyntaxKind.VoidKeyword:
    case ts.SyntaxKind.UndefinedKeyword:
      return { schema: { type: 'null' }, codec: { kind: 'void' }, nullable: true };
    case ts.SyntaxKind.ParenthesizedType:
      return mapNode((node as ts.ParenthesizedTypeNode).type, source);
  }
  if (ts.isLiteralTypeNode(node) && node.literal.kind === ts.SyntaxKind.NullKeyword) {
    return { schema: { type: 'null' }, codec: { kind: 'void' }, nullable: true };
  }
  if (ts.isArrayTypeNode(node)) {
    const element = mapNode(node.elementType, source);
    if (element.codec.kind !== 'plain') {
      throw new UnsupportedTypeError(`arrays of ${node.elementType.getText(source)} are not supported over HTTP`);
    }
    return { schema: { type: 'array', items: element.schema }, codec: PLAIN, nullable: false };
  }
  if (ts.isTypeReferenceNode(node)) {
    const name = node.typeName.getText(source);
    if (name in TYPED_ARRAYS) {
      const ctor = name as TypedArrayName;
      const codec: Codec = ctor === 'Uint8Array' || ctor === 'Uint8ClampedArray' ? { kind: 'bytes' } : { kind: 'typed-array', ctor };
      return { schema: { type: 'array', items: TYPED_ARRAYS[ctor] }, codec, nullable: false };
    }
    // Anything else by name is a wasm-bindgen class or a JS object the HTTP layer cannot build.
    throw new UnsupportedTypeError(`${name} values cannot travel over HTTP`);
  }
  if (ts.isUnionTypeNode(node)) return mapUnion(node, source);
  throw new UnsupportedTypeError(`type ${node.getText(source)} is not supported over HTTP`);
}

function mapUnion(node: ts.UnionTypeNode, source: ts.SourceFile): MappedType {
  const members = node.types.map((member) => mapNode(member, source));
  const nullable = members.some((m) => m.nullable);
  let values = members.filter((m) => m.codec.kind !== 'void');
  // wasm-bindgen writes slices as `Float64Array | number[]`: the typed array already accepts a
  // JSON array of numbers, so the plain array adds nothing.
  const typed = values.find((m) => m.codec.kind === 'bytes' || m.codec.kind === 'typed-array');
  if (typed) values = values.filter((m) => m === typed || !isNumberArray(m.schema));
  if (values.length === 1 && values[0]) {
    const only = values[0];
    return { schema: nullable ? { anyOf: [only.schema, { type: 'null' }] } : only.schema, codec: only.codec, nullable };
  }
  if (values.some((m) => m.codec.kind !== 'plain')) {
    throw new UnsupportedTypeError(`union ${node.getText(source)} is not supported over HTTP`);
  }
  const anyOf = values.map((m) => m.schema);
  if (nullable) anyOf.push({ type: 'null' });
  return { schema: { anyOf }, codec: PLAIN, nullable };
}

function isNumberArray(schema: JsonSchema): boolean {
  const items = schema.items as JsonSchema | undefined;
  return schema.type === 'array' && (items?.type === 'number' || items?.type === 'integer');
}
