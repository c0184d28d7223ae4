// The typed face of a loaded package. Types are derived from the glue's own .d.ts (passed as
// `typeof import('./pkg/name.js')`), so a Rust signature change shows up in the caller's
// tsc run. At run time every export becomes a function that sends a CallTask to the executor.

import type { CallTask, Executor, RunsHere } from './executor.js';
import { ObjectRef } from './executor.js';
import { OffloadBadArgumentError } from './errors.js';
import type { GlueShape } from './glue-shape.js';
import type { MetricsSnapshot } from './metrics.js';
import { isMarkedForTransfer, scan } from './transfer.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- the glue's types are arbitrary */
type AnyFunction = (...args: any[]) => any;
type AnyClass = abstract new (...args: any[]) => { free(): void };
type GlueObject = { free(): void };

/** Arguments as the proxy accepts them: objects are passed as their remote handles. */
export type RemoteArgs<A extends readonly unknown[]> = { [I in keyof A]: A[I] extends GlueObject ? Remote<A[I]> : A[I] };

/** Results as the proxy returns them: objects stay in their instance and come back as handles. */
export type RemoteResult<R> = R extends GlueObject
  ? Remote<R>
  : R extends readonly (infer E)[]
    ? E extends GlueObject
      ? Remote<E>[]
      : R
    : R;

/** `f(...): R` becomes `f(...): Promise<R>`; an async export's `Promise<R>` stays `Promise<R>`. */
export type Promisified<F> = F extends (...args: infer A) => infer R ? (...args: RemoteArgs<A>) => Promise<RemoteResult<Awaited<R>>> : never;

/** wasm-bindgen's own members are never part of a handle. */
type Internal<K> = K extends 'free' | symbol | `__${string}` ? true : false;
type MethodKeys<T> = { [K in keyof T]: Internal<K> extends true ? never : T[K] extends AnyFunction ? K : never }[keyof T];
type PropertyKeys<T> = { [K in keyof T]: Internal<K> extends true ? never : T[K] extends AnyFunction ? never : K }[keyof T];
type IfEquals<X, Y, A, B> = (<V>() => V extends X ? 1 : 2) extends <V>() => V extends Y ? 1 : 2 ? A : B;
/** Properties the glue can set: `pub` fields and `#[wasm_bindgen(setter)]`s (not `readonly` in the .d.ts). */
type WritableKeys<T> = { [K in keyof T]-?: IfEquals<{ [Q in K]: T[K] }, { -readonly [Q in K]: T[K] }, K, never> }[keyof T];
export type SettableKeys<T> = Extract<WritableKeys<T>, PropertyKeys<T>>;

/**
 * A handle to an object that lives in one instance; its methods run there. Getters and `pub`
 * fields read as Promises (`await counter.count`): the object is on another thread, and a
 * synchronous read would block the caller's event loop until that thread is free.
 */
export type Remote<T> = {
  readonly [K in MethodKeys<T>]: Promisified<T[K]>;
} & {
  readonly [K in PropertyKeys<T>]: Promise<RemoteResult<T[K]>>;
} & {
  /** Sets a `pub` field or a `#[wasm_bindgen(setter)]` property in the object's instance. */
  $set<K extends SettableKeys<T>>(property: K, value: RemoteArgs<[T[K]]>[0]): Promise<void>;
  /** Frees the Rust object now; later calls on this handle fail with ERR_OFFLOAD_BAD_ARGUMENT. */
  free(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
};

export type RemoteClass<C> = {
  /** `new C(...)` run in an instance; resolves to a handle. */
  create: C extends abstract new (...args: infer A) => infer I
    ? (...args: RemoteArgs<A>) => Promise<Remote<I>>
    : never;
} & {
  readonly [K in keyof C as K extends 'prototype' | `__${string}` ? never : C[K] extends AnyFunction ? K : never]: Promisified<C[K]>;
};

export interface CallOptions {
  /** Overrides the package's timeoutMs for these calls. */
  timeoutMs?: number;
  /** Overrides the package's queueTimeoutMs for these calls. */
  queueTimeoutMs?: number;
}

export interface OffloadControls<M> {
  /** Finishes accepted calls, then ends the threads and frees every instance. */
  $close(): Promise<void>;
  /** Call counts, latency histograms, queue depth and utilisation. */
  $metrics(): MetricsSnapshot;
  /** The same package with per-call options, e.g. `api.$with({ timeoutMs: 50 }).f(x)`. */
  $with(options: CallOptions): Offloaded<M>;
  readonly $mode: 'pool' | 'inline' | 'auto';
}

type ExportKeys<M> = {
  [K in keyof M]: K extends 'default' | 'initSync' | `__${string}` ? never : M[K] extends AnyClass ? K : M[K] extends AnyFunction ? K : never;
}[keyof M];
/** C-style enums: the glue's frozen objects of names and values. */
type EnumKeys<M> = {
  [K in keyof M]: K extends `__${string}` ? never : M[K] extends AnyFunction ? never : M[K] extends Readonly<Record<string, number | string>> ? K : never;
}[keyof M];

/** A loaded package: every exported function returns a Promise of what it returned. */
export type Offloaded<M> = {
  readonly [K in ExportKeys<M>]: M[K] extends AnyClass ? RemoteClass<M[K]> : Promisified<M[K]>;
} & {
  readonly [K in EnumKeys<M>]: M[K];
} & OffloadControls<M>;
/* eslint-enable @typescript-eslint/no-explicit-any */

interface ProxyContext {
  executor: Executor;
  shape: GlueShape;
  timeoutMs: number | undefined;
  queueTimeoutMs: number | undefined;
}

const handles = new WeakMap<object, ObjectRef>();

/** What every call through one proxy function shares (all but the arguments), built once. */
type CallSite = Pick<CallTask, 'op' | 'name' | 'label' | 'className' | 'target' | 'makesObjects'>;

export function buildProxy<M>(context: ProxyContext, finalizer: FinalizationRegistry<ObjectRef>): Offloaded<M> {
  const { executor, shape } = context;
  const runsHere = isRunningHere(executor) ? executor : undefined;
  /** `args` is the proxy function's own rest array, so it may be rewritten in place. */
  const send = (site: CallSite, args: unknown[]): Promise<unknown> => {
    try {
      const task: CallTask = {
        op: site.op,
        name: site.name,
        label: site.label,
        className: site.className,
        target: site.target,
        makesObjects: site.makesObjects,
        args,
        transfer: replaceHandles(args) ? collectTransfers(args) : [],
        timeoutMs: context.timeoutMs,
        queueTimeoutMs: context.queueTimeoutMs,
      };
      if (!runsHere) return executor.run(task).then(wrapResult);
      const result = runsHere.runHere(task);
      return result instanceof Promise ? result.then(wrapResult) : Promise.resolve(wrapResult(result));
    } catch (error) {
      // As from an async function: whatever goes wrong reaches the caller as a rejection.
      return Promise.reject(error);
    }
  };

  const wrapResult = (value: unknown): unknown => {
    if (value instanceof ObjectRef) return makeRemote(value);
    if (Array.isArray(value) && value.some((v) => v instanceof ObjectRef)) return value.map(wrapResult);
    return value;
  };

  const makeRemote = (ref: ObjectRef): object => {
    const info = shape.classes[ref.className];
    const on = { target: ref, className: ref.className };
    const remote: Record<string | symbol, unknown> = {};
    for (const [method, methodShape] of Object.entries(info?.methods ?? {})) {
      const site: CallSite = { op: 'method', name: method, label: `${ref.className}.${method}`, ...on, makesObjects: methodShape.returnsObject };
      remote[method] = (...args: unknown[]) => send(site, args);
    }
    for (const property of info?.getters ?? []) {
      const site: CallSite = { op: 'get', name: property, label: `${ref.className}.${property}`, ...on };
      // A fresh read each time: the value lives in the instance and methods may change it.
      Object.defineProperty(remote, property, { enumerable: true, get: () => send(site, []) });
    }
    const settable = new Set(info?.setters ?? []);
    remote.$set = async (property: string, value: unknown): Promise<void> => {
      if (!settable.has(property)) {
        throw new OffloadBadArgumentError(`${ref.className}.${property} cannot be set: it is not a pub field or a #[wasm_bindgen(setter)].`, {
          function: `${ref.className}.${property}`,
        });
      }
      await send({ op: 'set', name: property, label: `${ref.className}.${property}`, ...on }, [value]);
    };
    const free = async (): Promise<void> => {
      if (ref.freed) return;
      await send({ op: 'free', name: ref.className, label: `${ref.className}.free`, ...on }, []);
      ref.freed = true;
      finalizer.unregister(ref);
    };
    remote.free = free;
    remote[Symbol.asyncDispose] = free;
    Object.defineProperty(remote, Symbol.toStringTag, { value: `Remote<${ref.className}>` });
    handles.set(remote, ref);
    // When the handle is collected, the Rust object is freed in its instance.
    finalizer.register(remote, ref, ref);
    return Object.freeze(remote);
  };

  const api: Record<string, unknown> = {};
  for (const [name, fnShape] of Object.entries(shape.functions)) {
    const site: CallSite = { op: 'call', name, label: name, makesObjects: fnShape.returnsObject };
    api[name] = (...args: unknown[]) => send(site, args);
  }
  for (const [className, info] of Object.entries(shape.classes)) {
    const create: CallSite = { op: 'construct', name: className, label: `new ${className}`, className, makesObjects: true };
    const remoteClass: Record<string, unknown> = { create: (...args: unknown[]) => send(create, args) };
    for (const [name, staticShape] of Object.entries(info.statics)) {
      const site: CallSite = { op: 'static', name, label: `${className}.${name}`, className, makesObjects: staticShape.returnsObject };
      remoteClass[name] = (...args: unknown[]) => send(site, args);
    }
    api[className] = Object.freeze(remoteClass);
  }
  // Enums are plain values, the same on every thread: the glue's own frozen object.
  for (const [name, values] of Object.entries(shape.enums)) api[name] = values;
  api.$close = () => executor.close();
  api.$metrics = () => executor.metrics();
  api.$with = (options: CallOptions) =>
    buildProxy<M>(
      {
        ...context,
        timeoutMs: options.timeoutMs ?? context.timeoutMs,
        queueTimeoutMs: options.queueTimeoutMs ?? context.queueTimeoutMs,
      },
      finalizer,
    );
  api.$mode = executor.metrics().mode;
  return Object.freeze(api) as Offloaded<M>;
}

/** Swaps remote handles for the ObjectRefs they stand for; says whether any argument is an object. */
function replaceHandles(args: unknown[]): boolean {
  let objects = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (typeof arg !== 'object' || arg === null) continue;
    objects = true;
    const ref = handles.get(arg);
    if (ref) args[i] = ref;
  }
  return objects;
}

function collectTransfers(args: unknown[]): ArrayBuffer[] {
  return scan(args, (buffer, holder) => isMarkedForTransfer(holder) || isMarkedForTransfer(buffer)).transfer;
}


function isRunningHere(executor: Executor): executor is RunsHere {
  return typeof (executor as Partial<RunsHere>).runHere === 'function';
}
