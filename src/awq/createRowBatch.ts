import type { MatmulBackend } from "../calib/matmulBackend.js";
import { addLinearInputRows } from "./addLinearInputRows.js";
import type { LinearInputStatistics } from "./linearInputStatistics.js";

/**
 * Rows for addLinearInputRows, passed on in products of `rows` rows (0: each call's rows at once).
 * Holds rows·cols float32 until then.
 */
export function createRowBatch(params: { stats: LinearInputStatistics; rows: number; backend: MatmulBackend }): { add(x: Float32Array, n: number): Promise<void>; flush(): Promise<void> } {
  const { stats, rows, backend } = params;
  const { cols } = stats;
  const pending = new Float32Array(rows * cols);
  let held = 0;
  const flush = async () => {
    if (held === 0) return;
    await addLinearInputRows({ stats, x: pending.subarray(0, held * cols), n: held, backend });
    held = 0;
  };
  return {
    async add(x, n) {
      if (rows === 0) return addLinearInputRows({ stats, x, n, backend });
      for (let at = 0; at < n; ) {
        const take = Math.min(n - at, rows - held);
        pending.set(x.subarray(at * cols, (at + take) * cols), held * cols);
        held += take;
        at += take;
        if (held === rows) await flush();
      }
    },
    flush,
  };
}
