/**
 * The one numeric kernel the calibration engine delegates: a linear layer over a batch of rows.
 * Everything else (norms, RoPE, softmax, SwiGLU) is elementwise or tiny and stays in TypeScript.
 */

export interface MatmulBiasParams {
  /** Input rows, row-major [n, k]. May be a subarray view; only the first n·k values are read. */
  x: Float32Array;
  n: number;
  k: number;
  /** Weight as Hugging Face stores a linear: row-major [m, k] (output features × input features). */
  weight: Float32Array;
  m: number;
  /** [m], added to every output row; absent means no bias. */
  bias?: Float32Array;
}

export interface MatmulBackend {
  /** Short label for logs and benchmark tables ("plain-ts", "ort-cpu", "ort-cuda"). */
  readonly name: string;
  /** `x · weightᵀ + bias` → a fresh row-major [n, m] array. */
  matmulBias(params: MatmulBiasParams): Promise<Float32Array>;
  /**
   * Optional: the statistics AWQ accumulates for rows X [n, cols] — XᵀX [cols, cols], Σ|x| and Σx per
   * column — in one call, where the backend can do it without the host's per-row passes (a GPU device:
   * the transposition and the sums run there too). Absent: the caller transposes and asks matmulBias.
   */
  inputStatistics?(params: { x: Float32Array; n: number; cols: number }): Promise<{ gram: Float32Array; sumAbs: Float32Array; sum: Float32Array }>;
  /** Release native resources (sessions). Safe to call twice. */
  dispose(): Promise<void>;
}

/** Shared argument check: a wrong length here is a bug in the caller, caught before a native call reads past an array. */
export function checkMatmulBiasParams(params: MatmulBiasParams): void {
  const { x, n, k, weight, m, bias } = params;
  for (const [name, v] of [["n", n], ["k", k], ["m", m]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`matmulBias: ${name} must be a non-negative integer, got ${v}`);
  }
  if (x.length < n * k) throw new RangeError(`matmulBias: x holds ${x.length} values, [${n}, ${k}] needs ${n * k}`);
  if (weight.length < m * k) throw new RangeError(`matmulBias: weight holds ${weight.length} values, [${m}, ${k}] needs ${m * k}`);
  if (bias !== undefined && bias.length < m) throw new RangeError(`matmulBias: bias holds ${bias.length} values, needs ${m}`);
}
