/**
 * Float format conversions with the exact rounding llama.cpp's converter uses (numpy/gguf-py):
 * f32 → bf16 rounds to nearest even and quiets NaNs; f32 → f16 rounds to nearest even (numpy's
 * astype), overflowing to ±inf. Written over typed arrays, no per-element allocation.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function bf16ToF32(src: Uint16Array, out = new Float32Array(src.length)): Float32Array {
  const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < src.length; i++) bits[i] = src[i] << 16;
  return out;
}

/** gguf-py's __quantize_bf16_array: quiet NaNs, then round to nearest even. */
export function f32ToBf16(src: Float32Array, out = new Uint16Array(src.length)): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < src.length; i++) {
    let n = bits[i];
    if ((n & 0x7fffffff) > 0x7f800000) {
      out[i] = ((n >>> 16) | 0x40) & 0xffff;
      continue;
    }
    n = n + 0x7fff + ((n >>> 16) & 1);
    out[i] = (n >>> 16) & 0xffff;
  }
  return out;
}

/**
 * bf16 → bf16 as the converter does it (through f32 and back): a copy, except that NaNs get their
 * quiet bit set. Returns `src` itself when it holds no NaN (the common case: no copy).
 */
export function requantizeBf16(src: Uint16Array): Uint16Array {
  let out: Uint16Array | undefined;
  for (let i = 0; i < src.length; i++) {
    const h = src[i];
    if ((h & 0x7fff) > 0x7f80) {
      out ??= src.slice();
      out[i] = h | 0x40;
    }
  }
  return out ?? src;
}

export function f16ToF32(src: Uint16Array, out = new Float32Array(src.length)): Float32Array {
  for (let i = 0; i < src.length; i++) {
    const h = src[i];
    const sign = (h & 0x8000) << 16;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) {
      // zero or subnormal: mant · 2^-24
      f32[0] = mant * 5.9604644775390625e-8;
      u32[0] |= sign;
      out[i] = f32[0];
    } else if (exp === 31) {
      u32[0] = sign | 0x7f800000 | (mant << 13);
      out[i] = f32[0];
    } else {
      u32[0] = sign | ((exp + 112) << 23) | (mant << 13);
      out[i] = f32[0];
    }
  }
  return out;
}

/** f32 → f16, round to nearest even, overflow to ±inf, NaN stays NaN (numpy astype(float16)). */
export function f32ToF16(src: Float32Array, out = new Uint16Array(src.length)): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < src.length; i++) {
    const x = bits[i];
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0);
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 31) {
      out[i] = sign | 0x7c00;
      continue;
    }
    if (e <= 0) {
      if (e < -10) {
        out[i] = sign; // underflows to ±0 (even after rounding)
        continue;
      }
      mant |= 0x800000;
      const shift = 14 - e;
      const half = 1 << (shift - 1);
      const rest = mant & ((1 << shift) - 1);
      let h = mant >>> shift;
      if (rest > half || (rest === half && (h & 1))) h++;
      out[i] = sign | h;
      continue;
    }
    let h = (e << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h++; // may carry into the exponent: correct (rounds up to inf too)
    out[i] = sign | h;
  }
  return out;
}
