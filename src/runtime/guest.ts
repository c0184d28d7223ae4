// One instance of a package's glue + wasm with its object table, and how a call runs on it
// (sync or async, panics captured, results sized and encoded): the same code runs inside a pool
// worker and, in 'inline' mode, on the caller's thread. It never throws for a call; every
// outcome is a CallResponse, so the caller's side decides what to do. Which glue function a
// call names is call-target.ts's; the glue's shape is glue-shape.ts's; trap classification is
// trap-fault.ts's (over the shared core's classifier).

import { performance } from 'node:perf_hooks';
import { classifyThrown } from './trap-fault.js';
import { CallTargets, LostObject, runTarget, type CallTarget, type ClassLike } from './call-target.js';
import { importGlue, isGlueClass, type FunctionShape, type GlueShape } from './glue-shape.js';
import { GROW_FAILURES_EXPORT } from '../wasm/grow-probe.js';
import { beginCall, collectPanics, endCall, type Panic } from './panic-report.js';
import type { CallResponse, CallSpec, Fault, InstanceConfig } from './protocol.js';
import { OBJECT_KEY, isWireCallback, isWireRef, CALLBACK_KEY, REF_KEY } from './protocol.js';
import { scan } from './transfer.js';
import { installHelperWorker, startThreadPool } from './rayon-helpers.js';

type Glue = Record<string, unknown> & { initSync(input: { module: WebAssembly.Module; memory?: WebAssembly.Memory }): Record<string, unknown> };

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

const NO_HOOKS: CallHooks = {};

export class GuestInstance {
  readonly glue: Glue;
  readonly shape: GlueShape;
  readonly memory: WebAssembly.Memory | undefined;
  /** Instantiation, plus starting rayon's helpers for a threaded package. */
  instanceMs: number;
  readonly #config: InstanceConfig;
  readonly #growFailures: WebAssembly.Global | undefined;
  readonly #objects = new Map<number, object>();
  readonly #classes: Map<string, ClassLike>;
  /** Where a CallSpec's target is looked up (call-target.ts). */
  readonly #targets: CallTargets;
  #nextObjectId = 1;

  private constructor(glue: Glue, config: InstanceConfig, sharedMemory: WebAssembly.Memory | undefined) {
    this.glue = glue;
    this.#config = config;
    this.shape = config.shape;
    this.#classes = new Map(Object.entries(glue).filter((e): e is [string, ClassLike] => isGlueClass(e[1])));
    this.#targets = new CallTargets({ glue, shape: this.shape, classes: this.#classes, object: (id) => (id === undefined ? undefined : this.#objects.get(id)) });
    // A panic in the guest's start function happens here; capture it like a call's.
    const started = performance.now();
    const mark = beginCall();
    let exports: Record<string, unknown>;
    try {
      // A threaded package imports its memory: this instance's own, shared with its helpers.
      exports = glue.initSync(sharedMemory ? { module: config.module, memory: sharedMemory } : { module: config.module });
    } catch (error) {
      throw new InitFault(this.#classify(error, endCall(mark), true));
    }
    endCall(mark);
    this.instanceMs = performance.now() - started;
    this.memory = sharedMemory ?? (exports.memory instanceof WebAssembly.Memory ? exports.memory : undefined);
    const probe = exports[GROW_FAILURES_EXPORT];
    this.#growFailures = probe instanceof WebAssembly.Global ? probe : undefined;
  }

  static async create(config: InstanceConfig, generation: number): Promise<GuestInstance> {
    const threads = config.threads;
    // Before the glue is imported: wasm-bindgen-rayon's script looks for `self` as it loads.
    if (threads) installHelperWorker({ entry: threads.helperEntry, glueUrl: config.glueUrl, trapChannel: threads.trapChannel });
    let glue: Glue;
    try {
      glue = await importGlue<Glue>(config.glueUrl, generation);
    } catch (error) {
      throw new InitFault({ kind: 'guest', message: `cannot import the glue: ${String((error as Error)?.message ?? error)}` });
    }
    const memory = threads && new WebAssembly.Memory({ initial: threads.initialPages, maximum: threads.maximumPages, shared: true });
    const instance = new GuestInstance(glue, config, memory);
    if (threads) {
      const started = performance.now();
      try {
        // rayon's pool exists before the first call (and before init, which may use it).
        await startThreadPool(glue, threads.helpers);
      } catch (error) {
        throw new InitFault({ kind: 'guest', message: `the rayon thread pool did not start: ${(error as Error)?.message ?? String(error)}` });
      }
      instance.instanceMs += performance.now() - started;
    }
    instance.#runInit();
    return instance;
  }

  /** The package's own set-up (a model's weights, say), before the instance takes calls. */
  #runInit(): void {
    const init = this.#config.init;
    if (!init) return;
    const mark = beginCall();
    try {
      (this.glue[init.function] as (...args: unknown[]) => unknown)(...init.args);
    } catch (error) {
      const fault = this.#classify(error, endCall(mark), true);
      if (fault.kind === 'guest') fault.message = `the init function ${init.function} threw: ${error instanceof Error ? error.message : String(error)}`;
      throw new InitFault(fault);
    }
    endCall(mark);
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

  call(id: number, spec: CallSpec, hooks: CallHooks = NO_HOOKS): CallOutcome | Promise<CallOutcome> {
    const started = performance.now();
    let args: unknown[];
    let target: CallTarget;
    try {
      args = this.#decodeArgs(id, spec.args, hooks.callbacks);
      target = this.#targets.resolve(spec);
    } catch (error) {
      const fault: Fault = error instanceof LostObject
        ? { kind: 'instance_lost', why: 'freed it' }
        : { kind: 'bad_argument', message: (error as Error).message };
      return this.#failure(id, fault, false, started);
    }
    if (this.#growFailures) this.#growFailures.value = 0;
    // The panic lines written until endCall() are this call's.
    const mark = beginCall();
    let value: unknown;
    try {
      value = runTarget(target, args);
    } catch (error) {
      return this.#trapOutcome(id, error, endCall(mark), started);
    }
    const panics = endCall(mark);
    if (!isThenable(value)) return this.#success(id, spec, args, target.shape, value, started);
    return this.#settleAsync(id, spec, args, target.shape, value, panics, hooks, started);
  }

  /**
   * An async export: its Promise settles as the guest's futures make progress, which needs
   * this thread's event loop to turn, so the caller awaits it rather than blocking.
   */
  #settleAsync(
    id: number,
    spec: CallSpec,
    args: unknown[],
    shape: FunctionShape | undefined,
    pending: PromiseLike<unknown>,
    panicsSoFar: readonly Panic[],
    hooks: CallHooks,
    started: number,
  ): Promise<CallOutcome> {
    let early: CallOutcome | undefined;
    let wakeWaiter: ((outcome: CallOutcome) => void) | undefined;
    const panicked = new Promise<CallOutcome>((resolve) => {
      wakeWaiter = resolve;
    });
    const panics = collectPanics((panic) => {
      if (early) return;
      early = this.#trapOutcome(id, new WebAssembly.RuntimeError('unreachable'), [panic], started);
      hooks.reportNow?.(early);
      wakeWaiter?.(early);
    });
    panics.panics.push(...panicsSoFar);
    const settled = Promise.resolve(pending).then(
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
    const { transfer, sizeBytes } = this.#measure(encoded);
    if (sizeBytes > this.#config.maxResultBytes) {
      return this.#failure(id, { kind: 'too_large', sizeBytes, limitBytes: this.#config.maxResultBytes }, false, started);
    }
    const response: CallResponse = { type: 'result', id, ok: true, value: encoded, runMs: performance.now() - started };
    if (shape && shape.mutated.length > 0) {
      const writeBack = writtenArgs(args, shape.mutated);
      if (writeBack.length > 0) response.writeBack = writeBack;
    }
    return { response, transfer, trapped: false };
  }

  /** The buffers a result can give away, and its size. Most results are primitives, which need no walk. */
  #measure(encoded: unknown): { transfer: ArrayBuffer[]; sizeBytes: number } {
    // Sized as scan() sizes them.
    if (typeof encoded === 'string') return { transfer: [], sizeBytes: encoded.length };
    if (typeof encoded !== 'object' || encoded === null) return { transfer: [], sizeBytes: 8 };
    const memoryBuffer = this.memory?.buffer;
    return scan(encoded, (buffer) => buffer !== memoryBuffer);
  }

  #failure(id: number, fault: Fault, trapped: boolean, started: number): CallOutcome {
    return { response: { type: 'result', id, ok: false, fault, trapped, runMs: performance.now() - started }, transfer: [], trapped };
  }

  /** The arguments as the glue takes them; `wire` itself when none is a marker (the usual case). */
  #decodeArgs(callId: number, wire: unknown[], callbacks: CallbackBridge | undefined): unknown[] {
    let args = wire;
    for (let i = 0; i < wire.length; i++) {
      const arg = wire[i];
      if (typeof arg !== 'object' || arg === null) continue;
      const decoded = this.#decodeArg(callId, arg, callbacks);
      if (decoded === arg) continue;
      if (args === wire) args = wire.slice();
      args[i] = decoded;
    }
    return args;
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

export class InitFault extends Error {
  readonly fault: Fault;
  constructor(fault: Fault) {
    super('guest instance could not start');
    this.fault = fault;
  }
}

/** The `&mut [T]` arguments, by index, as the guest left them. */
function writtenArgs(args: unknown[], mutated: readonly number[]): [number, ArrayBufferView][] {
  const written: [number, ArrayBufferView][] = [];
  for (const index of mutated) {
    const arg = args[index];
    if (ArrayBuffer.isView(arg)) written.push([index, arg]);
  }
  return written;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
