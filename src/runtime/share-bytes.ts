// Byte arrays every worker needs (an init function's model weights, say) are copied once into
// a SharedArrayBuffer: posting a view of shared memory to N workers shares it, where an
// ordinary buffer would be cloned N times (or, transferred, reach only the first worker).

export function shareBytes(values: readonly unknown[]): unknown[] {
  return values.map((value) => {
    if (!ArrayBuffer.isView(value) || value.buffer instanceof SharedArrayBuffer) return value;
    const shared = new SharedArrayBuffer(value.byteLength);
    new Uint8Array(shared).set(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    if (value instanceof DataView) return new DataView(shared);
    const View = value.constructor as new (buffer: SharedArrayBuffer) => ArrayBufferView;
    return new View(shared);
  });
}
