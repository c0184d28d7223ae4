// The calling conventions of wasm-bindgen glue: which JS function a CallSpec names (a free
// function, a constructor, a static or instance method, a property get or set, `free`), checked
// against the glue's shape so a call that names nothing fails as a bad argument, never as a trap.

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

export interface CallTarget {
  run: () => unknown;
  /** The shape of what runs, for the arguments it writes into; none for constructors and properties. */
  shape: FunctionShape | undefined;
}

/** The call names an object this instance no longer holds (freed, or consumed by value). */
export class LostObject extends Error {}

export function callTarget(scope: CallScope, spec: CallSpec, args: unknown[]): CallTarget {
  switch (spec.op) {
    case 'call': {
      const fn = scope.glue[spec.name];
      const shape = scope.shape.functions[spec.name];
      if (typeof fn !== 'function' || !shape) throw new Error(`the package exports no function named ${spec.name}`);
      return { run: () => Reflect.apply(fn as AnyFunction, undefined, args), shape };
    }
    case 'construct':
    case 'static': {
      const cls = scope.classes.get(spec.className ?? '');
      if (!cls) throw new Error(`the package exports no class named ${spec.className}`);
      if (spec.op === 'construct') return { run: () => Reflect.construct(cls, args), shape: undefined };
      const fn = cls[spec.name];
      const shape = scope.shape.classes[spec.className ?? '']?.statics[spec.name];
      if (typeof fn !== 'function' || !shape) throw new Error(`${spec.className} has no static method ${spec.name}`);
      return { run: () => Reflect.apply(fn as AnyFunction, cls, args), shape };
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
