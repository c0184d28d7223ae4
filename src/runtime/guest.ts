// One instance of a package's glue + wasm, and the rules for running a call on it: the same
// code runs inside a pool worker and, in 'inline' mode, on the caller's thread. It never
// throws for a call; every outcome is a CallResponse, so the caller's side decides what to do.

import { performance } from 'node:perf_hooks';
import { classifyThrown } from './trap-fault.js';
import { importGlue, isGlueClass, type FunctionShape, type GlueShape } from './glue-shape.js';
import { GROW_FAILURES_EXPORT } from '../wasm/grow-probe.js';
import { collectPanics, type Panic } from './panic-report.js';
import type { CallResponse, CallSpec, Fault, InstanceConfig } from './protocol.js';
import { OBJECT_KEY, isWireCallback, isWireRef, CALLBACK_KEY, REF_KEY } from './protocol.js';
import { scan } from './transfer.js';

type Glue = Record<string, unknown> & { initSync(input: { module: WebAssembly.Module }): Record<string, unknown> };
type AnyFunction = (...args: unknown[]) => unknown;
type ClassLike = (new (...args: unknown[]) => object) & Record<string, unknown>;

export interface CallOutcome {
  response: CallResponse;
  transfer: ArrayBuffer[];
  /** The instance trapped and must not be used again. */
  trapped: boolean;
}

/** How a guest reaches JS functions that live on another thread (pool mode). */
export interface CallbackBridge {
  invoke(callId: number, callback: number, args: unknown[]): unknown;
}

export interface CallHooks {
  callbacks?: CallbackBridge;
  /**
   * An async call's outcome when it cannot wait for its Promise: a panic inside the guest's
   * continuation leaves that Promise unsettled, so the trap is reported from where it is seen.
   */
  reportNow?: (outcome: CallOutcome) => void;
}

export class GuestInstance {
  readonly glue: Glue;
  readonly shape: GlueShape;
  readonly memory: WebAssembly.Memory | undefined;
  readonly instanceMs: number;
  readonly #config: InstanceConfig;
  readonly #growFailures: WebAssembly.Global | undefined;
  readonly #objects = new Map<number, object>();
  readonly #classes: Map<string, ClassLike>;
  #nextObjectId = 1;

  private constructor(glue: Glue, config: InstanceConfig) {
    this.glue = glue;
    this.#config = config;
    this.shape = config.shape;
    this.#classes = new Map(Object.entries(glue).filter((e): e is [string, ClassLike] => isGlueClass(e[1])));
    // A panic in the guest's start function happens here; capture it like a call's.
    const started = performance.now();
    const panics = collectPanics();
    let exports: Record<string, unknown>;
    try {
      exports = glue.initSync({ module: config.module });
      // The package's own set-up (a model's weights, say), before the instance takes calls.
      if (config.init) (glue[config.init.function] as (...args: unknown[]) => unknown)(...config.init.args);
    } catch (error) {
      throw new InitFault(this.#classify(error, panics.panics, true));
    } finally {
      panics.stop();
    }
    this.instanceMs = performance.now() - started;
    this.memory = exports.memory instanceof WebAssembly.Memory ? exports.memory : undefined;
    const probe = exports[GROW_FAILURES_EXPORT];
    this.#growFailures = probe instanceof WebAssembly.Global ? probe : undefined;
  }

  static async create(config: InstanceConfig, generation: number): Promise<GuestInstance> {
    let glue: Glue;
    try {
      glue = await importGlue<Glue>(config.glueUrl, generation);
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

  call(id: number, spec: CallSpec, hooks: CallHooks = {}): CallOutcome | Promise<CallOutcome> {
    const started = performance.now();
    let run: () => unknown;
    let args: unknown[];
    let shape: FunctionShape | undefined;
    try {
      args = spec.args.map((a) => this.#decodeArg(id, a, hooks.callbacks));
      ({ run, shape } = this.#resolve(spec, args));
    } catch (error) {
      const fault: Fault = error instanceof LostObject
        ? { kind: 'instance_lost', why: 'freed it' }
        : { kind: 'bad_argument', message: (error as Error).message };
      return this.#failure(id, fault, false, started);
    }
    if (this.#growFailures) this.#growFailures.value = 0;
    let waiting = false;
    let early: CallOutcome | undefined;
    let wakeWaiter: ((outcome: CallOutcome) => void) | undefined;
    const panics = collectPanics((panic) => {
      if (!waiting || early) return;
      early = this.#trapOutcome(id, new WebAssembly.RuntimeError('unreachable'), [panic], started);
      hooks.reportNow?.(early);
      wakeWaiter?.(early);
    });
    let value: unknown;
    try {
      value = run();
    } catch (error) {
      panics.stop();
      return this.#trapOutcome(id, error, panics.panics, started);
    }
    if (!isThenable(value)) {
      panics.stop();
      return this.#success(id, spec, args, shape, value, started);
    }
    // An async export: its Promise settles as the guest's futures make progress, which needs
    // this thread's event loop to turn, so the caller awaits it rather than blocking.
    waiting = true;
    const panicked = new Promise<CallOutcome>((resolve) => {
      wakeWaiter = resolve;
    });
    const settled = Promise.resolve(value).then(
      (resolved) => this.#success(id, spec, args, shape, resolved, started),
      (error: unknown) => this.#trapOutcome(id, error, panics.panics, started),
    );
    return Promise.race([settled, panicked]).finally(() => panics.stop());
  }

  /** A trap that surfaced outside any call's stack (an async export's continuation). */
  strayTrap(id: number, error: unknown): CallOutcome {
    return this.#trapOutcome(id, error, [], performance.now());
  }

  #trapOutcome(id: number, error: unknown, panics: readonly Panic[], started: number): CallOutcome {
    const fault = this.#classify(error, panics, false);
    return this.#failure(id, fault, fault.kind === 'trap' || fault.kind === 'memory', started);
  }

  #success(id: number, spec: CallSpec, args: unknown[], shape: FunctionShape | undefined, value: unknown, started: number): CallOutcome {
    if (spec.op === 'free' && spec.objectId !== undefined) this.#objects.delete(spec.objectId);
    const encoded = this.#encodeResult(value);
    const memoryBuffer = this.memory?.buffer;
    const { transfer, sizeBytes } = scan(encoded, (buffer) => buffer !== memoryBuffer);
    if (sizeBytes > this.#config.maxResultBytes) {
      return this.#failure(id, { kind: 'too_large', sizeBytes, limitBytes: this.#config.maxResultBytes }, false, started);
    }
    const writeBack: [number, ArrayBufferView][] = [];
    for (const index of shape?.mutated ?? []) {
      const arg = args[index];
      if (ArrayBuffer.isView(arg)) writeBack.push([index, arg]);
    }
    const response: CallResponse = { type: 'result', id, ok: true, value: encoded, runMs: performance.now() - started };
    if (writeBack.length > 0) response.writeBack = writeBack;
    return { response, transfer, trapped: false };
  }

  #failure(id: number, fault: Fault, trapped: boolean, started: number): CallOutcome {
    return { response: { type: 'result', id, ok: false, fault, trapped, runMs: performance.now() - started }, transfer: [], trapped };
  }

  #resolve(spec: CallSpec, args: unknown[]): { run: () => unknown; shape: FunctionShape | undefined } {
    switch (spec.op) {
      case 'call': {
        const fn = this.glue[spec.name];
        const shape = this.shape.functions[spec.name];
        if (typeof fn !== 'function' || !shape) throw new Error(`the package exports no function named ${spec.name}`);
        return { run: () => Reflect.apply(fn as AnyFunction, undefined, args), shape };
      }
      case 'construct':
      case 'static': {
        const cls = this.#classes.get(spec.className ?? '');
        if (!cls) throw new Error(`the package exports no class named ${spec.className}`);
        if (spec.op === 'construct') return { run: () => Reflect.construct(cls, args), shape: undefined };
        const fn = cls[spec.name];
        const shape = this.shape.classes[spec.className ?? '']?.statics[spec.name];
        if (typeof fn !== 'function' || !shape) throw new Error(`${spec.className} has no static method ${spec.name}`);
        return { run: () => Reflect.apply(fn as AnyFunction, cls, args), shape };
      }
      case 'method':
      case 'free':
      case 'get':
      case 'set': {
        const object = this.#objects.get(spec.objectId ?? -1) as Record<string, unknown> | undefined;
        if (!object) throw new LostObject();
        const classShape = this.shape.classes[spec.className ?? ''];
        if (spec.op === 'get') {
          if (!classShape?.getters.includes(spec.name)) throw new Error(`${spec.className} has no property ${spec.name}`);
          return { run: () => object[spec.name], shape: undefined };
        }
        if (spec.op === 'set') {
          if (!classShape?.setters.includes(spec.name)) throw new Error(`${spec.className}.${spec.name} cannot be set`);
          return { run: () => void (object[spec.name] = args[0]), shape: undefined };
        }
        const fn = spec.op === 'free' ? object.free : object[spec.name];
        const shape = spec.op === 'free' ? undefined : classShape?.methods[spec.name];
        if (typeof fn !== 'function' || (spec.op === 'method' && !shape)) throw new Error(`${spec.className} has no method ${spec.name}`);
        return { run: () => Reflect.apply(fn as AnyFunction, object, args), shape };
      }
    }
  }

  #decodeArg(callId: number, arg: unknown, callbacks: CallbackBridge | undefined): unknown {
    if (isWireCallback(arg)) {
      if (!callbacks) throw new Error('a callback argument arrived where none can be called');
      const index = arg[CALLBACK_KEY];
      return (...args: unknown[]) => callbacks.invoke(callId, index, args);
    }
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

  #classify(error: unknown, panics: readonly Panic[], duringStart: boolean): Fault {
    return classifyThrown(error, panics, {
      duringStart,
      usedBytes: this.memory?.buffer.byteLength ?? 0,
      limitBytes: this.#config.memoryLimited ? this.#config.memoryMaxBytes : undefined,
      growFailures: this.#growFailures ? Number(this.#growFailures.value) : undefined,
    });
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

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
