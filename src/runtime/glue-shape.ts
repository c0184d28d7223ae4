// What a wasm-bindgen glue module exports, read from the module itself: functions, classes
// (with their methods, statics, getters and setters), enums, and the two facts about a
// function that the calling side must know before a call crosses a thread: which typed-array
// arguments the guest writes into (`&mut [T]`), and whether it can hand back an object.

type ClassLike = (new (...args: unknown[]) => object) & Record<string, unknown>;

export interface FunctionShape {
  /** Indices of arguments the guest writes into (`&mut [T]`): copied back to the caller's array. */
  mutated: number[];
  /** May return an instance of an exported class, which must live where objects live. */
  returnsObject: boolean;
}

export interface ClassShape {
  statics: Record<string, FunctionShape>;
  methods: Record<string, FunctionShape>;
  /** Properties with a getter (`#[wasm_bindgen(getter)]` and `pub` fields). */
  getters: string[];
  /** Properties with a setter. */
  setters: string[];
}

export interface GlueShape {
  functions: Record<string, FunctionShape>;
  classes: Record<string, ClassShape>;
  /** Exported C-style enums: frozen objects of names and values, the same on every thread. */
  enums: Record<string, Readonly<Record<string, number | string>>>;
}

/** Glue exports that are wasm-bindgen's own machinery, not the crate's API. */
const NOT_EXPORTS = new Set(['default', 'initSync', '__wbg_init']);

export function isGlueClass(value: unknown): value is ClassLike {
  // wasm-bindgen classes are the only exports whose prototype has free().
  return typeof value === 'function' && typeof (value.prototype as { free?: unknown } | undefined)?.free === 'function';
}

/** wasm-bindgen's own members (`__wrap`, `__destroy_into_raw`, `__wbg_ptr`) are never API. */
const isInternal = (name: string): boolean => name.startsWith('__') || name === 'constructor' || name === 'free';

export function glueShape(glue: Record<string, unknown>, hidden: ReadonlySet<string> = new Set()): GlueShape {
  const shape: GlueShape = { functions: {}, classes: {}, enums: {} };
  for (const [name, value] of Object.entries(glue)) {
    if (NOT_EXPORTS.has(name) || hidden.has(name) || name.startsWith('__')) continue;
    if (isGlueClass(value)) shape.classes[name] = classShape(value);
    else if (typeof value === 'function') shape.functions[name] = functionShape(value as (...args: unknown[]) => unknown);
    else if (isEnumObject(value)) shape.enums[name] = value;
  }
  return shape;
}

/** The arguments the function a call names writes into (`&mut [T]`); none for constructors and properties. */
export function mutatedArgs(shape: GlueShape, call: { op: string; name: string; className?: string | undefined }): number[] {
  const classShape = shape.classes[call.className ?? ''];
  const fn = call.op === 'call' ? shape.functions[call.name]
    : call.op === 'static' ? classShape?.statics[call.name]
      : call.op === 'method' ? classShape?.methods[call.name] : undefined;
  return fn?.mutated ?? [];
}

function isEnumObject(value: unknown): value is Readonly<Record<string, number | string>> {
  return (
    typeof value === 'object' && value !== null && Object.isFrozen(value) &&
    Object.values(value).every((v) => typeof v === 'number' || typeof v === 'string')
  );
}

function classShape(cls: ClassLike): ClassShape {
  const shape: ClassShape = { statics: {}, methods: {}, getters: [], setters: [] };
  for (const name of Object.getOwnPropertyNames(cls)) {
    if (['length', 'name', 'prototype'].includes(name) || isInternal(name)) continue;
    const value = cls[name];
    if (typeof value === 'function') shape.statics[name] = functionShape(value as (...args: unknown[]) => unknown);
  }
  for (const name of Object.getOwnPropertyNames(cls.prototype)) {
    if (isInternal(name)) continue;
    const descriptor = Object.getOwnPropertyDescriptor(cls.prototype, name);
    if (!descriptor) continue;
    if (typeof descriptor.value === 'function') shape.methods[name] = functionShape(descriptor.value as (...args: unknown[]) => unknown);
    if (descriptor.get) shape.getters.push(name);
    if (descriptor.set) shape.setters.push(name);
  }
  return shape;
}

/**
 * Reads what wasm-bindgen generated for one function. The glue is plain JavaScript whose shape
 * wasm-bindgen fixes: a `&mut [T]` argument is copied into wasm memory with `passArray…` and
 * then handed to the wasm call itself, so the guest can write back into it when it returns
 * (older versions `.set()` it in a `finally`); a class result goes through `Class.__wrap`.
 */
export function functionShape(fn: (...args: unknown[]) => unknown): FunctionShape {
  const source = Function.prototype.toString.call(fn);
  const params = paramNames(source);
  const wasmCalls = [...source.matchAll(/\bwasm\.\w+\(([^)]*)\)/g)].map((m) => (m[1] ?? '').split(',').map((a) => a.trim()));
  const mutated: number[] = [];
  params.forEach((param, index) => {
    const copiedIn = new RegExp(`passArray\\w*ToWasm0\\(${param},`).test(source);
    const handedOver = wasmCalls.some((args) => args.includes(param));
    const setAfter = new RegExp(`\\b${param}\\.set\\(`).test(source);
    if (copiedIn && (handedOver || setAfter)) mutated.push(index);
  });
  return { mutated, returnsObject: /\.__wrap\(/.test(source) };
}

function paramNames(source: string): string[] {
  const header = /^[^(]*\(([^)]*)\)/.exec(source);
  if (!header?.[1]) return [];
  return header[1].split(',').map((p) => p.trim()).filter(Boolean);
}

export async function importGlue<G = Record<string, unknown>>(glueUrl: string, generation: number): Promise<G> {
  // The glue keeps its instance in module scope and initSync() never replaces it, so a fresh
  // instance needs a fresh module record: a distinct URL gives one.
  const url = generation === 0 ? glueUrl : `${glueUrl}${glueUrl.includes('?') ? '&' : '?'}offload-instance=${generation}`;
  const glue = (await import(url)) as Record<string, unknown>;
  if (typeof glue.initSync !== 'function') {
    throw new Error(`${glueUrl} has no initSync export: build it with \`wasm-bindgen --target web\` (what \`offload build\` does)`);
  }
  return glue as G;
}
