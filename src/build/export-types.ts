// The exact Rust types of a crate's exports, read from wasm-bindgen's own type descriptors.
//
// Before wasm-bindgen-cli rewrites it, cargo's .wasm exports one `__wbindgen_describe_<fn>_<hash>`
// function per exported function. Run, each calls the imported `__wbindgen_describe(u32)` once
// per word of a descriptor stream that the CLI decodes to write the glue. The .d.ts erases those
// types (u8, i32, u32, f32 and f64 are all `number`; char is `string`), so the HTTP layer reads
// the stream itself: it is the same information the glue was generated from, so it cannot
// disagree with it. The module is only instantiated with stubs, never run beyond the describers.
//
// Tag numbers are those of wasm-bindgen 0.2.1xx (wasm-bindgen-shared's `tys`), checked against
// the fixtures' streams in test/serve-types.test.ts. A stream this decoder does not understand
// is reported, and the server falls back to the .d.ts for that export.

import { readFile } from 'node:fs/promises';
import { readMemoryLimits } from '../wasm/memory-limits.js';

export type IntName = 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'i64' | 'u64' | 'i128' | 'u128';

/** A Rust type as it crosses the wasm-bindgen boundary. */
export type RustType =
  | { kind: 'int'; name: IntName }
  | { kind: 'float'; name: 'f32' | 'f64' }
  | { kind: 'bool' }
  | { kind: 'char' }
  | { kind: 'string' }
  | { kind: 'unit' }
  | { kind: 'option'; inner: RustType }
  | { kind: 'result'; ok: RustType }
  /** Vec<T>, Box<[T]>, &[T] or &mut [T]; `clamped` for Clamped<Vec<u8>>. */
  | { kind: 'vec'; element: RustType; borrow?: 'shared' | 'mut'; clamped?: boolean }
  /** A C-style enum; `hole` is a value no variant uses (wasm-bindgen's "None" for Option<Enum>). */
  | { kind: 'enum'; name: string; hole: number }
  | { kind: 'string-enum'; name: string; variants: number }
  | { kind: 'struct'; name: string; borrow?: 'shared' | 'mut' }
  | { kind: 'jsvalue' }
  /** A js-sys / web-sys type by its TypeScript name: `Array<any>`, `Uint8Array`, `Function`, ... */
  | { kind: 'js'; name: string }
  | { kind: 'closure' }
  | { kind: 'function' };

export interface ExportType {
  params: RustType[];
  result: RustType;
  /** `async fn`: the glue returns a Promise of `result`. */
  async: boolean;
}

export interface ExportTypes {
  /** By the function's Rust name (what the describer is named after). */
  functions: Record<string, ExportType>;
  /** Describers that could not be read, with why; those exports fall back to the .d.ts. */
  unreadable: Record<string, string>;
}

const INTS: IntName[] = ['i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64'];

const Tag = {
  I64_AS_F64: 8,
  U64_AS_F64: 9,
  I128: 10,
  U128: 11,
  F32: 12,
  F64: 13,
  BOOLEAN: 14,
  FUNCTION: 15,
  CLOSURE: 16,
  CACHED_STRING: 17,
  STRING: 18,
  REF: 19,
  REFMUT: 20,
  LONGREF: 21,
  SLICE: 22,
  VECTOR: 23,
  EXTERNREF: 24,
  NAMED_EXTERNREF: 25,
  ENUM: 26,
  STRING_ENUM: 27,
  RUST_STRUCT: 29,
  CHAR: 30,
  OPTIONAL: 31,
  RESULT: 32,
  UNIT: 33,
  CLAMPED: 34,
} as const;

class DescriptorError extends Error {}

class Stream {
  #at = 0;
  constructor(readonly words: readonly number[]) {}
  next(): number {
    const word = this.words[this.#at++];
    if (word === undefined) throw new DescriptorError('the descriptor ended early');
    return word;
  }
  string(): string {
    const length = this.next();
    let text = '';
    for (let i = 0; i < length; i++) text += String.fromCodePoint(this.next());
    return text;
  }
  get done(): boolean {
    return this.#at === this.words.length;
  }
}

function decodeType(s: Stream, clamped = false): RustType {
  const tag = s.next();
  const int = INTS[tag];
  if (int) return { kind: 'int', name: int };
  switch (tag) {
    // wasm64 only: 64-bit sizes as JS numbers; they cannot occur on wasm32.
    case Tag.I64_AS_F64:
    case Tag.U64_AS_F64:
      throw new DescriptorError('64-bit isize/usize (wasm64) are not supported');
    case Tag.I128:
      return { kind: 'int', name: 'i128' };
    case Tag.U128:
      return { kind: 'int', name: 'u128' };
    case Tag.F32:
      return { kind: 'float', name: 'f32' };
    case Tag.F64:
      return { kind: 'float', name: 'f64' };
    case Tag.BOOLEAN:
      return { kind: 'bool' };
    case Tag.CHAR:
      return { kind: 'char' };
    case Tag.STRING:
    case Tag.CACHED_STRING:
      return { kind: 'string' };
    case Tag.UNIT:
      return { kind: 'unit' };
    case Tag.EXTERNREF:
      return { kind: 'jsvalue' };
    case Tag.NAMED_EXTERNREF:
      return { kind: 'js', name: s.string() };
    case Tag.OPTIONAL:
      return { kind: 'option', inner: decodeType(s, clamped) };
    case Tag.RESULT:
      return { kind: 'result', ok: decodeType(s, clamped) };
    case Tag.CLAMPED:
      return decodeType(s, true);
    case Tag.SLICE:
    case Tag.VECTOR: {
      const element = decodeType(s, clamped);
      return clamped ? { kind: 'vec', element, clamped } : { kind: 'vec', element };
    }
    case Tag.REF:
    case Tag.REFMUT:
    case Tag.LONGREF: {
      const inner = decodeType(s, clamped);
      const borrow = tag === Tag.REFMUT ? 'mut' : 'shared';
      if (inner.kind === 'vec' || inner.kind === 'struct') return { ...inner, borrow };
      // &str, &JsValue, &Array...: a borrow that makes no difference over JSON.
      return inner;
    }
    case Tag.ENUM: {
      const name = s.string();
      const hole = s.next();
      skipQualifier(s);
      s.next();
      return { kind: 'enum', name, hole };
    }
    case Tag.STRING_ENUM: {
      const name = s.string();
      const variants = s.next();
      skipQualifier(s);
      s.next();
      return { kind: 'string-enum', name, variants };
    }
    case Tag.RUST_STRUCT: {
      const name = s.string();
      skipQualifier(s);
      return { kind: 'struct', name };
    }
    case Tag.FUNCTION:
      decodeFunction(s);
      return { kind: 'function' };
    case Tag.CLOSURE:
      s.next(); // shim
      s.next(); // destructor
      s.next(); // mutability
      if (s.next() !== Tag.FUNCTION) throw new DescriptorError('a closure without its function');
      decodeFunction(s);
      return { kind: 'closure' };
    default:
      throw new DescriptorError(`unknown descriptor tag ${tag}`);
  }
}

/** Enums and structs carry the crate they come from; the HTTP layer needs only the name. */
function skipQualifier(s: Stream): void {
  s.string();
}

function decodeFunction(s: Stream): ExportType {
  s.next(); // shim index
  const count = s.next();
  const params: RustType[] = [];
  for (let i = 0; i < count; i++) params.push(decodeType(s));
  const returned = decodeType(s);
  const inner = decodeType(s);
  // An async fn returns a Promise (a JsValue) to JS; `inner` is what the Promise resolves to.
  const isAsync = returned.kind === 'jsvalue' && inner.kind !== 'jsvalue';
  return { params, result: isAsync ? inner : returned, async: isAsync };
}

/** Decodes one exported function's descriptor stream. */
export function decodeExportDescriptor(words: readonly number[]): ExportType {
  const s = new Stream(words);
  if (s.next() !== Tag.FUNCTION) throw new DescriptorError('an export descriptor must describe a function');
  const fn = decodeFunction(s);
  if (!s.done) throw new DescriptorError(`${words.length} words, not all of them understood`);
  return fn;
}

const DESCRIBER = /^__wbindgen_describe_(.+)_[0-9a-f]{16}$/;

/**
 * Runs every export describer of a pre-bindgen module (cargo's output) and decodes its stream.
 * Imports are stubs: the describers only call `__wbindgen_describe`, and anything else they
 * reached would throw, which marks that export unreadable rather than failing the build.
 */
export async function readExportTypes(cargoWasmPath: string): Promise<ExportTypes> {
  const bytes = await readFile(cargoWasmPath);
  const module = new WebAssembly.Module(bytes);
  const declared = readMemoryLimits(bytes);
  let words: number[] = [];
  const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
  for (const entry of WebAssembly.Module.imports(module)) {
    const scope = (imports[entry.module] ??= {});
    if (entry.kind === 'function') {
      scope[entry.name] =
        entry.name === '__wbindgen_describe'
          ? (word: number) => void words.push(word >>> 0)
          : () => {
              throw new DescriptorError(`the describer called ${entry.name}`);
            };
    } else if (entry.kind === 'memory') {
      // A threaded module imports a shared memory, which only a shared one with a maximum satisfies.
      scope[entry.name] = declared?.shared
        ? new WebAssembly.Memory({ initial: declared.min, maximum: declared.max ?? declared.min, shared: true })
        : new WebAssembly.Memory({ initial: 17 });
    } else if (entry.kind === 'table') {
      scope[entry.name] = new WebAssembly.Table({ initial: 0, element: 'anyfunc' });
    } else if (entry.kind === 'global') {
      scope[entry.name] = new WebAssembly.Global({ value: 'i32', mutable: true }, 0);
    }
  }
  const instance = new WebAssembly.Instance(module, imports);
  const result: ExportTypes = { functions: {}, unreadable: {} };
  for (const [exportName, describer] of Object.entries(instance.exports)) {
    const match = DESCRIBER.exec(exportName);
    // `__wbg_*` describers belong to the crate's imports, not its exports.
    if (!match?.[1] || match[1].startsWith('__wbg_') || typeof describer !== 'function') continue;
    const name = match[1];
    words = [];
    try {
      (describer as () => void)();
      result.functions[name] = decodeExportDescriptor(words);
    } catch (error) {
      result.unreadable[name] = (error as Error).message;
    }
  }
  return result;
}

/** The Rust spelling of a type, for docs and error messages. */
export function rustTypeText(type: RustType): string {
  switch (type.kind) {
    case 'int':
    case 'float':
      return type.name;
    case 'bool':
      return 'bool';
    case 'char':
      return 'char';
    case 'string':
      return 'String';
    case 'unit':
      return '()';
    case 'option':
      return `Option<${rustTypeText(type.inner)}>`;
    case 'result':
      return `Result<${rustTypeText(type.ok)}, JsValue>`;
    case 'vec': {
      const element = rustTypeText(type.element);
      return type.borrow === 'mut' ? `&mut [${element}]` : type.borrow === 'shared' ? `&[${element}]` : `Vec<${element}>`;
    }
    case 'enum':
    case 'string-enum':
      return type.name;
    case 'struct':
      return type.borrow === 'mut' ? `&mut ${type.name}` : type.borrow === 'shared' ? `&${type.name}` : type.name;
    case 'jsvalue':
      return 'JsValue';
    case 'js':
      return type.name;
    case 'closure':
      return 'Closure';
    case 'function':
      return 'fn';
  }
}
