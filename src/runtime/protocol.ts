// The messages between the pool (main thread) and a worker, and the markers that stand in for
// objects that cannot cross threads. Both sides import only types and constants from here.

import type { MessagePort } from 'node:worker_threads';
import type { ChannelEnds } from './channel-caller.js';
import type { GlueShape } from './glue-shape.js';
import type { SimdVariant } from '../package/manifest.js';

export type CallOp = 'call' | 'static' | 'construct' | 'method' | 'free' | 'get' | 'set';

export interface CallSpec {
  op: CallOp;
  /** Function, method or property name; for 'construct' and 'free' the class name. */
  name: string;
  className?: string;
  objectId?: number;
  args: unknown[];
}

export interface CallRequest extends CallSpec {
  type: 'call';
  id: number;
}

export interface ReleaseRequest {
  type: 'release';
  objectIds: number[];
}

export type WorkerRequest = CallRequest | ReleaseRequest;

export interface InstanceConfig {
  glueUrl: string;
  module: WebAssembly.Module;
  /**
   * Which SIMD `module` uses (load() chose it among the package's variants), for $metrics().
   * Instances do not need it, so configs made by hand (bench/runtime.ts) may leave it out.
   */
  simdVariant?: SimdVariant;
  memoryMaxBytes: number;
  memoryLimited: boolean;
  maxResultBytes: number;
  /** Pool only: the thread's shared-memory channel (channel-layout.ts), which carries its calls and answers. */
  channel?: ChannelEnds;
  /** Pool only: where a worker blocked in a callback reads the reply, and the flag that wakes it. */
  callbackPort?: MessagePort;
  callbackSignal?: SharedArrayBuffer;
  /** What the glue exports, read once by load() and posted to every instance. */
  shape: GlueShape;
  /** The export each instance calls once as it starts, before any call (load()'s `init`). */
  init?: InstanceInit;
  /** A threaded package (`offload build --threads`): its own shared memory and rayon helpers. */
  threads?: ThreadedInstance;
}

export interface ThreadedInstance {
  /** rayon threads per instance, passed to the package's initThreadPool. */
  helpers: number;
  /** rayon-helper.ts's URL, resolved where import.meta is at hand. */
  helperEntry: string;
  /** The shared memory each instance creates, in pages: the module's minimum, and its maximum or the cap. */
  initialPages: number;
  maximumPages: number;
  /** Pool only: the BroadcastChannel a helper thread reports its trap on (the instance's thread is blocked in the call). */
  trapChannel?: string;
}

/** What a helper thread posts on its instance's trap channel. */
export interface HelperTrap {
  type: 'helper-trap';
  fault: Fault;
}

export interface InstanceInit {
  function: string;
  /** Large byte arrays arrive as views of one SharedArrayBuffer, so workers share, not copy, them. */
  args: unknown[];
}

/** A failure described in plain data, turned back into an error class on the calling side. */
export type Fault =
  | { kind: 'trap'; trapKind: 'panic' | 'stack_overflow' | 'memory_access' | 'unreachable' | 'other'; detail: string; panicMessage?: string; location?: string }
  | { kind: 'memory'; detail: string; usedBytes: number; limitBytes?: number }
  | { kind: 'guest'; message: string; name?: string; cause?: unknown }
  | { kind: 'too_large'; sizeBytes: number; limitBytes: number }
  | { kind: 'bad_argument'; message: string }
  | { kind: 'instance_lost'; why: string };

export type CallResponse =
  | {
      type: 'result';
      id: number;
      ok: true;
      value: unknown;
      runMs: number;
      /** `&mut [T]` arguments as the guest left them, by argument index, for the caller's arrays. */
      writeBack?: [number, ArrayBufferView][];
    }
  | { type: 'result'; id: number; ok: false; fault: Fault; trapped: boolean; runMs: number };

/** A guest called a JS function passed as an argument; it runs on the calling thread. */
export interface CallbackRequest {
  type: 'callback';
  id: number;
  callback: number;
  args: unknown[];
}

/** The answer to a CallbackRequest, on the worker's callback port. */
export type CallbackReply = { ok: true; value: unknown } | { ok: false; message: string };

export type WorkerMessage =
  | CallResponse
  | CallbackRequest
  | { type: 'ready'; instanceMs: number }
  | { type: 'init-failed'; fault: Fault };

/** Stands for an object that lives inside an instance, in arguments (main -> worker). */
export const REF_KEY = '__offload_ref__';
/** Stands for a JS function argument, by its index in the call's callbacks (main -> worker). */
export const CALLBACK_KEY = '__offload_callback__';
/** Stands for an object a call returned (worker -> main). */
export const OBJECT_KEY = '__offload_object__';

export interface WireRef {
  [REF_KEY]: number;
}
export interface WireObject {
  [OBJECT_KEY]: number;
  className: string;
}

export function isWireObject(value: unknown): value is WireObject {
  return typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)[OBJECT_KEY] === 'number';
}
export function isWireCallback(value: unknown): value is { [CALLBACK_KEY]: number } {
  return typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)[CALLBACK_KEY] === 'number';
}
export function isWireRef(value: unknown): value is WireRef {
  return typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)[REF_KEY] === 'number';
}
