/**
 * Recycled byte buffers for the streaming passes: the full model streams ~25 GB through buffers of a
 * few sizes (16 MiB reads, quantized chunks), and a fresh ArrayBuffer each time makes V8 run full
 * garbage collections on external-memory pressure (~3 s of the main thread per full-size quantize).
 * Take a buffer, give it back once nothing (a native call, a pending write) reads it. A buffer not
 * given back is simply collected; one given back twice is kept once.
 */
const free = new Map<number, Buffer[]>();
const pooled = new WeakSet<ArrayBuffer>();
const idle = new WeakSet<ArrayBuffer>();
let idleBytes = 0;
/** Idle buffers kept at most (beyond that, given-back buffers are left to the collector). */
const MAX_IDLE_BYTES = 384 << 20;
const MAX_IDLE_PER_SIZE = 6;

export function takePooledBuffer(bytes: number): Buffer {
  const buffer = free.get(bytes)?.pop();
  if (buffer) {
    idle.delete(buffer.buffer as ArrayBuffer);
    idleBytes -= bytes;
    return buffer;
  }
  const fresh = Buffer.allocUnsafeSlow(bytes);
  pooled.add(fresh.buffer as ArrayBuffer);
  return fresh;
}

export function releasePooledBuffer(view: ArrayBufferView | undefined): void {
  if (!view) return;
  const backing = view.buffer as ArrayBuffer;
  if (!pooled.has(backing) || idle.has(backing)) return;
  const bytes = backing.byteLength;
  const list = free.get(bytes) ?? [];
  if (list.length >= MAX_IDLE_PER_SIZE || idleBytes + bytes > MAX_IDLE_BYTES) return;
  list.push(Buffer.from(backing, 0, bytes));
  free.set(bytes, list);
  idle.add(backing);
  idleBytes += bytes;
}
