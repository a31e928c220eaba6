/**
 * What AWQ keeps about the input X [tokens, cols] of a group of linears that share it: the per-channel
 * mean |x| (the salience the scales are built from) and enough to evaluate ‖ΔW·Xᵀ‖² for any weight
 * error ΔW — the output error the scale and clipping searches minimise. That is the rows themselves
 * while there are fewer than `cols` of them (an expert's few routed tokens), else the Gram matrix XᵀX
 * ([cols, cols], float64), whose size does not grow with the calibration set.
 */
export interface LinearInputStatistics {
  cols: number;
  /** Rows seen. */
  count: number;
  /** Σ|x| per input channel. */
  sumAbs: Float64Array;
  /** Σx per input channel: with the Gram matrix, the mean and second moments of what the linears output. */
  sum: Float64Array;
  /** Whether rows may be kept instead of the Gram matrix while count ≤ cols. */
  keepRows: boolean;
  /** The rows seen, [count, cols] in the first count·cols values (while count ≤ cols and keepRows). */
  rows?: Float32Array;
  /** XᵀX, once the rows are not kept. */
  gram?: Float64Array;
  /**
   * True while only the Gram's upper triangle holds every row (createRowBatch leaves the mirroring to
   * its flush: one pass at the end instead of one per product). Readers of `gram` refuse it then
   * (checkGramComplete).
   */
  upperOnly?: boolean;
}

export function createLinearInputStatistics(params: { cols: number; keepRows?: boolean }): LinearInputStatistics {
  const { cols } = params;
  const keepRows = params.keepRows ?? false;
  return { cols, count: 0, sumAbs: new Float64Array(cols), sum: new Float64Array(cols), keepRows, rows: keepRows ? new Float32Array(0) : undefined, gram: keepRows ? undefined : new Float64Array(cols * cols) };
}

/** Throws when the Gram's lower triangle is still pending (see LinearInputStatistics.upperOnly): a bug in the caller. */
export function checkGramComplete(stats: LinearInputStatistics, reader: string): void {
  if (stats.upperOnly) throw new Error(`${reader}: the Gram matrix has only its upper triangle (flush the row batch that filled it first)`);
}

/** Completes a Gram filled upper triangle only: copies it onto the lower one. */
export function completeGram(stats: LinearInputStatistics): void {
  if (!stats.upperOnly || !stats.gram) return;
  const { cols, gram } = stats;
  for (let i = 1; i < cols; i++) for (let j = 0; j < i; j++) gram[i * cols + j] = gram[j * cols + i];
  stats.upperOnly = false;
}
