// The typed face of a loaded package. Types are derived from the glue's own .d.ts (passed as
// `typeof import('./pkg/name.js')`), so a Rust signature change shows up in the caller's
// tsc run. At run time every export becomes a function that sends a CallTask to the executor.

import type { CallTask, Executor } from './executor.js';
import { ObjectRef } from './executor.js';
import type { GlueShape } from './guest.js';
import type { MetricsSnapshot } from './metrics.js';
import type { CallOp } from './protocol.js';
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

export type Promisified<F> = F extends (...args: infer A) => infer R ? (...args: RemoteArgs<A>) => Promise<RemoteResult<R>> : never;

/** A handle to an object that lives in one instance; its methods run there. */
export type Remote<T> = {
  readonly [K in keyof T as K extends 'free' ? never : K extends symbol ? never : T[K] extends AnyFunction ? K : never]: Promisified<T[K]>;
} & {
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
  readonly [K in keyof C as K extends 'prototype' ? never : C[K] extends AnyFunction ? K : never]: Promisified<C[K]>;
};

export interface CallOptions {
  /** Overrides the package's timeoutMs for these calls. */
  timeoutMs?: number;
}

export interface OffloadControls<M> {
  /** Finishes accepted calls, then ends the threads and frees every instance. */
  $close(): Promise<void>;
  /** Call counts, latency histograms, queue depth and utilisation. */
  $metrics(): MetricsSnapshot;
  /** The same package with per-call options, e.g. `api.$with({ timeoutMs: 50 }).f(x)`. */
  $with(options: CallOptions): Offloaded<M>;
  readonly $mode: 'pool' | 'inline';
}

type ExportKeys<M> = {
  [K in keyof M]: K extends 'default' | 'initSync' ? never : M[K] extends AnyClass ? K : M[K] extends AnyFunction ? K : never;
}[keyof M];

/** A loaded package: every exported function returns a Promise of what it returned. */
export type Offloaded<M> = {
  readonly [K in ExportKeys<M>]: M[K] extends AnyClass ? RemoteClass<M[K]> : Promisified<M[K]>;
} & OffloadControls<M>;
/* eslint-enable @typescript-eslint/no-explicit-any */

interface ProxyContext {
  executor: Executor;
  shape: GlueShape;
  timeoutMs: number | undefined;
}

const handles = new WeakMap<object, ObjectRef>();

export function buildProxy<M>(context: ProxyContext, finalizer: FinalizationRegistry<ObjectRef>): Offloaded<M> {
  const { executor, shape } = context;
  const send = async (op: CallOp, name: string, label: string, args: unknown[], extra: Partial<CallTask> = {}): Promise<unknown> => {
    const encoded = args.map((a) => (typeof a === 'object' && a !== null ? (handles.get(a) ?? a) : a));
    const task: CallTask = {
      op,
      name,
      label,
      args: encoded,
      transfer: collectTransfers(encoded),
      timeoutMs: context.timeoutMs,
      ...extra,
    };
    return wrapResult(await executor.run(task));
  };

  const wrapResult = (value: unknown): unknown => {
    if (value instanceof ObjectRef) return makeRemote(value);
    if (Array.isArray(value) && value.some((v) => v instanceof ObjectRef)) return value.map(wrapResult);
    return value;
  };

  const makeRemote = (ref: ObjectRef): object => {
    const methods = shape.classes[ref.className]?.methods ?? [];
    const remote: Record<string | symbol, unknown> = {};
    for (const method of methods) {
      const label = `${ref.className}.${method}`;
      remote[method] = (...args: unknown[]) => send('method', method, label, args, { target: ref, className: ref.className });
    }
    const free = async (): Promise<void> => {
      if (ref.freed) return;
      await send('free', ref.className, `${ref.className}.free`, [], { target: ref, className: ref.className });
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
  for (const name of shape.functions) {
    api[name] = (...args: unknown[]) => send('call', name, name, args);
  }
  for (const [className, info] of Object.entries(shape.classes)) {
    const remoteClass: Record<string, unknown> = {
      create: (...args: unknown[]) => send('construct', className, `new ${className}`, args, { className }),
    };
    for (const name of info.statics) {
      remoteClass[name] = (...args: unknown[]) => send('static', name, `${className}.${name}`, args, { className });
    }
    api[className] = Object.freeze(remoteClass);
  }
  api.$close = () => executor.close();
  api.$metrics = () => executor.metrics();
  api.$with = (options: CallOptions) => buildProxy<M>({ ...context, timeoutMs: options.timeoutMs ?? context.timeoutMs }, finalizer);
  api.$mode = executor.metrics().mode;
  return Object.freeze(api) as Offloaded<M>;
}

function collectTransfers(args: unknown[]): ArrayBuffer[] {
  if (!args.some((a) => typeof a === 'object' && a !== null)) return [];
  return scan(args, (buffer, holder) => isMarkedForTransfer(holder) || isMarkedForTransfer(buffer)).transfer;
}
