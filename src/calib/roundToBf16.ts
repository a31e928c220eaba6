/**
 * Round float32 values to the nearest bfloat16 (ties to even), keeping them as float32: what
 * `tensor.to(torch.bfloat16)` does, for emulating a bf16 computation inside a float32 engine.
 */
export function roundToBf16(values: Float32Array): Float32Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < bits.length; i++) bits[i] = roundBits(bits[i]);
  return values;
}

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** One value: rounded to float32 first (as a torch op computing in float32 would), then to bfloat16. */
export function bf16(value: number): number {
  scratch[0] = value;
  scratchBits[0] = roundBits(scratchBits[0]);
  return scratch[0];
}

function roundBits(b: number): number {
  if ((b & 0x7fffffff) > 0x7f800000) return (b | 0x00400000) & 0xffff0000; // NaN stays a (quiet) NaN
  return ((b + 0x7fff + ((b >>> 16) & 1)) & 0xffff0000) >>> 0;
}
