// One instance of a package's glue + wasm, and the rules for running a call on it: the same
// code runs inside a pool worker and, in 'inline' mode, on the caller's thread. It never
// throws for a call; every outcome is a CallResponse, so the caller's side decides what to do.

import { performance } from 'node:perf_hooks';
import type { CallResponse, CallSpec, Fault, InstanceConfig } from './protocol.js';
import { OBJECT_KEY, isWireRef, REF_KEY } from './protocol.js';
import { scan } from './transfer.js';

type Glue = Record<string, unknown> & { initSync(input: { module: WebAssembly.Module }): { memory?: WebAssembly.Memory } };
type AnyFunction = (...args: unknown[]) => unknown;
type ClassLike = (new (...args: unknown[]) => object) & Record<string, unknown>;

export interface CallOutcome {
  response: CallResponse;
  transfer: ArrayBuffer[];
  /** The instance trapped and must not be used again. */
  trapped: boolean;
}

/** Names of a glue module's exports, split the way the proxy needs them. */
export interface GlueShape {
  functions: string[];
  classes: Record<string, { statics: string[]; methods: string[] }>;
}

const NOT_EXPORTS = new Set(['default', 'initSync', '__wbg_init']);

export function isGlueClass(value: unknown): value is ClassLike {
  // wasm-bindgen classes are the only exports whose prototype has free().
  return typeof value === 'function' && typeof (value.prototype as { free?: unknown } | undefined)?.free === 'function';
}

export function glueShape(glue: Record<string, unknown>): GlueShape {
  const shape: GlueShape = { functions: [], classes: {} };
  for (const [name, value] of Object.entries(glue)) {
    if (NOT_EXPORTS.has(name) || typeof value !== 'function') continue;
    if (isGlueClass(value)) {
      const statics = Object.getOwnPropertyNames(value).filter(
        (k) => !['length', 'name', 'prototype', '__wrap', '__unwrap'].includes(k) && !k.startsWith('__') &&
          typeof (value as Record<string, unknown>)[k] === 'function',
      );
      const methods = Object.getOwnPropertyNames(value.prototype).filter((k) => {
        const descriptor = Object.getOwnPropertyDescriptor(value.prototype, k);
        return k !== 'constructor' && k !== 'free' && typeof descriptor?.value === 'function';
      });
      shape.classes[name] = { statics, methods };
    } else {
      shape.functions.push(name);
    }
  }
  return shape;
}

export async function importGlue(glueUrl: string, generation: number): Promise<Glue> {
  // The glue keeps its instance in module scope and initSync() never replaces it, so a fresh
  // instance needs a fresh module record: a distinct URL gives one.
  const url = generation === 0 ? glueUrl : `${glueUrl}${glueUrl.includes('?') ? '&' : '?'}offload-instance=${generation}`;
  const glue = (await import(url)) as Glue;
  if (typeof glue.initSync !== 'function') {
    throw new Error(`${glueUrl} has no initSync export: build it with \`wasm-bindgen --target web\` (what \`offload build\` does)`);
  }
  return glue;
}

export class GuestInstance {
  readonly glue: Glue;
  readonly memory: WebAssembly.Memory | undefined;
  readonly instanceMs: number;
  readonly #config: InstanceConfig;
  readonly #objects = new Map<number, object>();
  readonly #classes: Map<string, ClassLike>;
  #nextObjectId = 1;

  private constructor(glue: Glue, config: InstanceConfig) {
    this.glue = glue;
    this.#config = config;
    this.#classes = new Map(
      Object.entries(glue).filter((e): e is [string, ClassLike] => isGlueClass(e[1])),
    );
    // A panic in the guest's start function happens here; capture it like a call's.
    const started = performance.now();
    const outcome = captureConsoleError(() => glue.initSync({ module: config.module }));
    this.instanceMs = performance.now() - started;
    if (!outcome.ok) throw new InitFault(this.#classify(outcome.error, outcome.logged, undefined));
    this.memory = outcome.value.memory;
  }

  static async create(config: InstanceConfig, generation: number): Promise<GuestInstance> {
    let glue: Glue;
    try {
      glue = await importGlue(config.glueUrl, generation);
    } catch (error) {
      throw new InitFault({ kind: 'guest', message: `cannot import the glue: ${String((error as Error)?.message ?? error)}` });
    }
    return new GuestInstance(glue, config);
  }

  get liveObjects(): number {
    return this.#objects.size;
  }

  release(objectIds: number[]): void {
    for (const id of objectIds) {
      const object = this.#objects.get(id) as { free?: () => void } | undefined;
      this.#objects.delete(id);
      try {
        object?.free?.();
      } catch {
        // Already consumed by a by-value call; nothing left to free.
      }
    }
  }

  call(id: number, spec: CallSpec): CallOutcome {
    const started = performance.now();
    let target: AnyFunction;
    let self: unknown;
    let args: unknown[];
    try {
      ({ target, self } = this.#resolve(spec));
      args = spec.args.map((a) => this.#decodeArg(a));
    } catch (error) {
      const fault: Fault = error instanceof LostObject
        ? { kind: 'instance_lost', why: 'freed it' }
        : { kind: 'bad_argument', message: (error as Error).message };
      return this.#failure(id, fault, false, started);
    }
    const outcome = captureConsoleError(() => (spec.op === 'construct' ? Reflect.construct(target, args) : Reflect.apply(target, self, args)));
    if (!outcome.ok) {
      const fault = this.#classify(outcome.error, outcome.logged, spec);
      return this.#failure(id, fault, fault.kind === 'trap' || fault.kind === 'memory', started);
    }
    if (spec.op === 'free' && spec.objectId !== undefined) this.#objects.delete(spec.objectId);
    const value = this.#encodeResult(outcome.value);
    const memoryBuffer = this.memory?.buffer;
    const { transfer, sizeBytes } = scan(value, (buffer) => buffer !== memoryBuffer);
    if (sizeBytes > this.#config.maxResultBytes) {
      return this.#failure(id, { kind: 'too_large', sizeBytes, limitBytes: this.#config.maxResultBytes }, false, started);
    }
    return { response: { type: 'result', id, ok: true, value, runMs: performance.now() - started }, transfer, trapped: false };
  }

  #failure(id: number, fault: Fault, trapped: boolean, started: number): CallOutcome {
    return { response: { type: 'result', id, ok: false, fault, trapped, runMs: performance.now() - started }, transfer: [], trapped };
  }

  #resolve(spec: CallSpec): { target: AnyFunction; self: unknown } {
    switch (spec.op) {
      case 'call': {
        const fn = this.glue[spec.name];
        if (typeof fn !== 'function' || isGlueClass(fn) || NOT_EXPORTS.has(spec.name)) {
          throw new Error(`the package exports no function named ${spec.name}`);
        }
        return { target: fn as AnyFunction, self: undefined };
      }
      case 'construct':
      case 'static': {
        const cls = this.#classes.get(spec.className ?? '');
        if (!cls) throw new Error(`the package exports no class named ${spec.className}`);
        if (spec.op === 'construct') return { target: cls as unknown as AnyFunction, self: undefined };
        const fn = cls[spec.name];
        if (typeof fn !== 'function') throw new Error(`${spec.className} has no static method ${spec.name}`);
        return { target: fn as AnyFunction, self: cls };
      }
      case 'method':
      case 'free': {
        const object = this.#objects.get(spec.objectId ?? -1) as Record<string, unknown> | undefined;
        if (!object) throw new LostObject();
        const fn = spec.op === 'free' ? object.free : object[spec.name];
        if (typeof fn !== 'function') throw new Error(`${spec.className} has no method ${spec.name}`);
        return { target: fn as AnyFunction, self: object };
      }
    }
  }

  #decodeArg(arg: unknown): unknown {
    if (!isWireRef(arg)) return arg;
    const object = this.#objects.get(arg[REF_KEY]);
    if (!object) throw new LostObject();
    return object;
  }

  #encodeResult(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.#encodeObject(v));
    return this.#encodeObject(value);
  }

  #encodeObject(value: unknown): unknown {
    if (typeof value !== 'object' || value === null) return value;
    for (const [className, cls] of this.#classes) {
      if (value instanceof cls) {
        const objectId = this.#nextObjectId++;
        this.#objects.set(objectId, value);
        return { [OBJECT_KEY]: objectId, className };
      }
    }
    return value;
  }

  #classify(error: unknown, logged: string[], spec: CallSpec | undefined): Fault {
    const panic = parsePanic(logged);
    const message = error instanceof Error ? error.message : String(error);
    const isTrap = error instanceof WebAssembly.RuntimeError;
    const isStackOverflow = error instanceof RangeError && /call stack/i.test(message);
    if (!isTrap && !isStackOverflow) {
      // The guest returned Err(..) or the glue rejected an argument: the instance is intact.
      if (spec === undefined) return { kind: 'guest', message: `the start function threw: ${message}` };
      return {
        kind: 'guest',
        message,
        ...(error instanceof Error ? { name: error.name } : { cause: safeCause(error) }),
      };
    }
    const usedBytes = this.memory?.buffer.byteLength ?? 0;
    if (panic) {
      if (/memory allocation of \d+ bytes failed|capacity overflow/.test(panic.message)) {
        return { kind: 'memory', detail: panic.message, usedBytes, ...this.#limit() };
      }
      return {
        kind: 'trap',
        trapKind: 'panic',
        detail: `Rust panicked: ${panic.message}${panic.location ? ` (at ${panic.location})` : ''}.`,
        panicMessage: panic.message,
        ...(panic.location ? { location: panic.location } : {}),
      };
    }
    if (isStackOverflow) {
      return { kind: 'trap', trapKind: 'stack_overflow', detail: 'the engine stack overflowed (unbounded recursion?). Bound the recursion depth or make it iterative.' };
    }
    if (/memory access out of bounds/i.test(message)) {
      return {
        kind: 'trap',
        trapKind: 'memory_access',
        detail: 'memory access out of bounds. In Rust this is usually a stack overflow (the shadow stack is 1 MiB by default): bound the recursion, move large locals to the heap, or raise the stack size at link time.',
      };
    }
    if (/unreachable/i.test(message)) {
      // A Rust panic goes through the panic hook first; an `unreachable` with nothing logged
      // is Rust's abort, and on wasm32 the abort that happens in practice is an allocation
      // that did not fit (the default alloc error hook prints to a stderr that wasm32 lacks).
      const limit = this.#limit();
      return {
        kind: 'memory',
        detail:
          `the guest aborted without a panic message, which is how Rust reports a failed allocation on wasm32 ` +
          `(memory in use: ${mib(usedBytes)} MiB${limit.limitBytes ? ` of a ${mib(limit.limitBytes)} MiB limit` : ''}). ` +
          'Process less data per call, or raise memoryLimitMb. (If the guest has no panic hook installed, a panic looks the same: call console_error_panic_hook::set_once() in its #[wasm_bindgen(start)] function.)',
        usedBytes,
        ...limit,
      };
    }
    return { kind: 'trap', trapKind: 'other', detail: `${message}.` };
  }

  #limit(): { limitBytes?: number } {
    return this.#config.memoryLimited ? { limitBytes: this.#config.memoryMaxBytes } : {};
  }
}

class LostObject extends Error {}

export class InitFault extends Error {
  readonly fault: Fault;
  constructor(fault: Fault) {
    super('guest instance could not start');
    this.fault = fault;
  }
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

function safeCause(value: unknown): unknown {
  // A thrown JsValue may not be cloneable; keep it only when it is plain data.
  try {
    structuredClone(value);
    return value;
  } catch {
    return String(value);
  }
}

type Captured<T> = { ok: true; value: T; logged: string[] } | { ok: false; error: unknown; logged: string[] };

/**
 * Runs `body` with console.error redirected into a list. console_error_panic_hook reports a
 * panic through console.error right before the trap, and the glue looks console.error up at
 * call time, so swapping it for the duration of one synchronous call attributes the message
 * to exactly that call.
 */
function captureConsoleError<T>(body: () => T): Captured<T> {
  const logged: string[] = [];
  const original = console.error;
  console.error = (...parts: unknown[]) => {
    logged.push(parts.map(String).join(' '));
  };
  let result: Captured<T>;
  try {
    result = { ok: true, value: body(), logged };
  } catch (error) {
    result = { ok: false, error, logged };
  } finally {
    console.error = original;
  }
  // Output that is not a panic report is the guest's own logging: pass it on.
  for (const line of logged) if (!line.startsWith('panicked at ')) original(line);
  return result;
}

export function parsePanic(logged: string[]): { message: string; location: string | undefined } | undefined {
  for (const line of logged) {
    const match = /^panicked at ([^\n]*?):\n([\s\S]*?)(?:\n\nStack:[\s\S]*)?$/.exec(line);
    if (match) return { location: match[1] || undefined, message: (match[2] ?? '').trim() };
  }
  return undefined;
}
