import type { MatmulBackend } from "../calib/matmulBackend.js";
import { addLinearInputRows } from "./addLinearInputRows.js";
import { completeGram, type LinearInputStatistics } from "./linearInputStatistics.js";

/**
 * Rows for addLinearInputRows, passed on in products of `rows` rows (0: each call's rows at once).
 * Holds rows·cols float32 until then. The Gram's lower triangle is filled once, by flush (the statistics
 * are complete only after it): mirroring after every product cost a third of a CPU Gram update.
 */
export function createRowBatch(params: { stats: LinearInputStatistics; rows: number; backend: MatmulBackend }): { add(x: Float32Array, n: number): Promise<void>; flush(): Promise<void> } {
  const { stats, rows, backend } = params;
  const { cols } = stats;
  const pending = new Float32Array(rows * cols);
  let held = 0;
  const pass = async () => {
    if (held > 0) await addLinearInputRows({ stats, x: pending.subarray(0, held * cols), n: held, backend, upperOnly: true });
    held = 0;
  };
  return {
    async add(x, n) {
      if (rows === 0) return addLinearInputRows({ stats, x, n, backend, upperOnly: true });
      for (let at = 0; at < n; ) {
        const take = Math.min(n - at, rows - held);
        pending.set(x.subarray(at * cols, (at + take) * cols), held * cols);
        held += take;
        at += take;
        if (held === rows) await pass();
      }
    },
    async flush() {
      await pass();
      completeGram(stats);
    },
  };
}
