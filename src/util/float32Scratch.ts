/**
 * Reusable f32 scratch arrays for short-lived conversions (bf16 → f32 right before a native quantize
 * call). Streaming the full model through fresh 32 MiB arrays allocates ~7 GB and makes V8 run a full
 * GC every few chunks (array buffers count as external memory pressure); a handful of reused
 * buffers removes that. Take, use, and release when nothing (no native call either) reads it anymore.
 */
const free: ArrayBuffer[] = [];
const MAX_FREE = 6;

export function takeFloat32Scratch(length: number): Float32Array<ArrayBuffer> {
  const bytes = length * 4;
  const index = free.findIndex((b) => b.byteLength >= bytes);
  const buffer = index >= 0 ? free.splice(index, 1)[0] : new ArrayBuffer(bytes);
  return new Float32Array(buffer, 0, length);
}

export function releaseFloat32Scratch(array: Float32Array): void {
  if (free.length >= MAX_FREE) free.shift();
  free.push(array.buffer as ArrayBuffer);
}
