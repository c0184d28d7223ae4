// Moving a buffer to another thread detaches it from the caller, so it only happens when the
// caller says so: transfer(x) marks x (a typed array or ArrayBuffer) and returns it unchanged,
// which keeps the proxy's argument types exactly the glue's.

const marked = new WeakSet<object>();

export function transfer<T extends ArrayBuffer | ArrayBufferView>(value: T): T {
  if (!(value instanceof ArrayBuffer) && !ArrayBuffer.isView(value)) {
    throw new TypeError('transfer() takes an ArrayBuffer or a typed array');
  }
  marked.add(value);
  return value;
}

export function isMarkedForTransfer(value: object): boolean {
  return marked.has(value);
}

const MAX_DEPTH = 8;

/**
 * Walks a value (arrays and plain objects, a few levels deep) and returns the buffers to
 * transfer, plus a size estimate in bytes used to refuse huge results before they are posted.
 */
export function scan(
  value: unknown,
  pick: (buffer: ArrayBuffer, holder: object) => boolean,
): { transfer: ArrayBuffer[]; sizeBytes: number } {
  const buffers = new Set<ArrayBuffer>();
  let size = 0;
  const visit = (v: unknown, depth: number): void => {
    if (typeof v === 'string') {
      size += v.length;
      return;
    }
    if (typeof v !== 'object' || v === null) {
      size += 8;
      return;
    }
    if (ArrayBuffer.isView(v)) {
      size += v.byteLength;
      if (v.buffer instanceof ArrayBuffer && pick(v.buffer, v)) buffers.add(v.buffer);
      return;
    }
    if (v instanceof ArrayBuffer) {
      size += v.byteLength;
      if (pick(v, v)) buffers.add(v);
      return;
    }
    if (depth >= MAX_DEPTH) return;
    if (Array.isArray(v)) {
      for (const item of v) visit(item, depth + 1);
    } else if (v instanceof Map) {
      for (const [k, item] of v) {
        visit(k, depth + 1);
        visit(item, depth + 1);
      }
    } else if (isPlainObject(v)) {
      for (const key of Object.keys(v)) {
        size += key.length;
        visit((v as Record<string, unknown>)[key], depth + 1);
      }
    }
  };
  visit(value, 0);
  return { transfer: [...buffers], sizeBytes: size };
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
