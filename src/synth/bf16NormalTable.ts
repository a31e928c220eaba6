/**
 * 65536 bf16 values (as raw uint16 bits) at the evenly spaced quantiles (i + 0.5) / 65536 of N(mean, std²).
 *
 * Indexing the table with 16 uniform random bits draws an exact sample of that discretised normal, so a
 * synthetic bf16 weight costs one table lookup instead of a Box-Muller transform (log, sqrt, cos). That is
 * what lets the generator keep up with the disk. The table spans ±4.3 std, which is all a bf16 tensor of
 * random weights needs. Tables are cached per (mean, std).
 */
export function bf16NormalTable(params: { mean: number; std: number }): Uint16Array {
  const key = `${params.mean}/${params.std}`;
  let table = cache.get(key);
  if (table === undefined) {
    table = new Uint16Array(TABLE_SIZE);
    for (let i = 0; i < TABLE_SIZE; i++) {
      table[i] = float32ToBf16Bits(params.mean + params.std * inverseStandardNormalCdf((i + 0.5) / TABLE_SIZE));
    }
    cache.set(key, table);
  }
  return table;
}

const TABLE_SIZE = 65536;
const cache = new Map<string, Uint16Array>();

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Round a number to bf16 (nearest, ties to even), as torch's float32 → bfloat16 cast does for finite values. */
function float32ToBf16Bits(value: number): number {
  f32[0] = value;
  const bits = u32[0];
  const roundingBias = 0x7fff + ((bits >>> 16) & 1);
  return ((bits + roundingBias) >>> 16) & 0xffff;
}

/**
 * Acklam's rational approximation of the standard normal quantile (relative error < 1.15e-9), far more
 * precise than bf16's 8 significant bits.
 */
function inverseStandardNormalCdf(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}
