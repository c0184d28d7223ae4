// The calling conventions of wasm-bindgen glue: which JS function a CallSpec names (a free
// function, a constructor, a static or instance method, a property get or set, `free`), checked
// against the glue's shape so a call that names nothing fails as a bad argument, never as a trap.
// A target is plain data, not a closure, and a free function's is built once per instance: it
// is resolved on every call, so it must cost next to nothing.

import type { FunctionShape, GlueShape } from './glue-shape.js';
import type { CallSpec } from './protocol.js';

type AnyFunction = (...args: unknown[]) => unknown;
export type ClassLike = (new (...args: unknown[]) => object) & Record<string, unknown>;

/** What the conventions are looked up in: one instance's glue and its live objects. */
export interface CallScope {
  glue: Record<string, unknown>;
  shape: GlueShape;
  classes: ReadonlyMap<string, ClassLike>;
  object(id: number | undefined): object | undefined;
}

/**
 * What runs (see runTarget). `shape` is that of the function, for the arguments it writes
 * into; constructors and properties have none.
 */
export type CallTarget =
  | { kind: 'apply'; fn: AnyFunction; self: unknown; shape: FunctionShape | undefined }
  | { kind: 'construct'; cls: ClassLike; shape?: undefined }
  | { kind: 'get' | 'set'; object: Record<string, unknown>; property: string; shape?: undefined };

/** The call names an object this instance no longer holds (freed, or consumed by value). */
export class LostObject extends Error {}

export class CallTargets {
  readonly #scope: CallScope;
  /** Free functions by name: the common call, and one that never changes for an instance. */
  readonly #functions = new Map<string, CallTarget>();

  constructor(scope: CallScope) {
    this.#scope = scope;
    for (const [name, shape] of Object.entries(scope.shape.functions)) {
      const fn = scope.glue[name];
      if (typeof fn === 'function') this.#functions.set(name, { kind: 'apply', fn: fn as AnyFunction, self: undefined, shape });
    }
  }

  /** Throws LostObject, or an Error saying what the spec names that the glue lacks. */
  resolve(spec: CallSpec): CallTarget {
    const scope = this.#scope;
    switch (spec.op) {
      case 'call': {
        const target = this.#functions.get(spec.name);
        if (!target) throw new Error(`the package exports no function named ${spec.name}`);
        return target;
      }
      case 'construct':
      case 'static': {
        const cls = scope.classes.get(spec.className ?? '');
        if (!cls) throw new Error(`the package exports no class named ${spec.className}`);
        if (spec.op === 'construct') return { kind: 'construct', cls };
        const fn = cls[spec.name];
        const shape = scope.shape.classes[spec.className ?? '']?.statics[spec.name];
        if (typeof fn !== 'function' || !shape) throw new Error(`${spec.className} has no static method ${spec.name}`);
        return { kind: 'apply', fn: fn as AnyFunction, self: cls, shape };
      }
      case 'method':
      case 'free':
      case 'get':
      case 'set': {
        const object = scope.object(spec.objectId) as Record<string, unknown> | undefined;
        if (!object) throw new LostObject();
        const classShape = scope.shape.classes[spec.className ?? ''];
        if (spec.op === 'get') {
          if (!classShape?.getters.includes(spec.name)) throw new Error(`${spec.className} has no property ${spec.name}`);
          return { kind: 'get', object, property: spec.name };
        }
        if (spec.op === 'set') {
          if (!classShape?.setters.includes(spec.name)) throw new Error(`${spec.className}.${spec.name} cannot be set`);
          return { kind: 'set', object, property: spec.name };
        }
        const fn = spec.op === 'free' ? object.free : object[spec.name];
        const shape = spec.op === 'free' ? undefined : classShape?.methods[spec.name];
        if (typeof fn !== 'function' || (spec.op === 'method' && !shape)) throw new Error(`${spec.className} has no method ${spec.name}`);
        return { kind: 'apply', fn: fn as AnyFunction, self: object, shape };
      }
    }
  }
}

/** Runs a target with its (decoded) arguments; what the guest throws propagates. */
export function runTarget(target: CallTarget, args: unknown[]): unknown {
  switch (target.kind) {
    case 'apply':
      return Reflect.apply(target.fn, target.self, args);
    case 'construct':
      return Reflect.construct(target.cls, args);
    case 'get':
      return target.object[target.property];
    case 'set':
      target.object[target.property] = args[0];
      return undefined;
  }
}
