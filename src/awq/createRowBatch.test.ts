import { describe, expect, it } from "vitest";
import { createPlainMatmulBackend } from "../calib/createPlainMatmulBackend.js";
import { mulberry32 } from "../util/mulberry32.js";
import { addLinearInputRows } from "./addLinearInputRows.js";
import { createRowBatch } from "./createRowBatch.js";
import { gramDiagonalBlocks } from "./gramDiagonalBlocks.js";
import { createLinearInputStatistics } from "./linearInputStatistics.js";

describe("createRowBatch", () => {
  it("gathers rows into products of a set size and ends with the same statistics as row-by-call", async () => {
    const backend = createPlainMatmulBackend();
    const cols = 24;
    const next = mulberry32(8);
    const calls = [37, 5, 50, 13].map((n) => ({ n, x: Float32Array.from({ length: n * cols }, () => next() - 0.5) }));
    const direct = createLinearInputStatistics({ cols });
    for (const { x, n } of calls) await addLinearInputRows({ stats: direct, x, n, backend });
    const products: number[] = [];
    const counting = {
      ...backend,
      matmulBias: (p: Parameters<typeof backend.matmulBias>[0]) => {
        products.push(p.k);
        return backend.matmulBias(p);
      },
    };
    const batched = createLinearInputStatistics({ cols });
    const batch = createRowBatch({ stats: batched, rows: 40, backend: counting });
    for (const { x, n } of calls) await batch.add(x, n);
    expect(products).toEqual([40, 40]); // 105 rows: two full products, 25 held
    // until flush, the Gram holds its upper triangle only, and readers refuse it
    expect(batched.upperOnly).toBe(true);
    expect(() => gramDiagonalBlocks({ stats: batched, groupSize: 8 })).toThrow(/only its upper triangle/);
    await batch.flush();
    expect(products).toEqual([40, 40, 25]);
    expect(batched.count).toBe(105);
    expect(batched.upperOnly).toBe(false);
    for (let i = 0; i < cols; i++) for (let j = 0; j < i; j++) expect(batched.gram![i * cols + j]).toBe(batched.gram![j * cols + i]);
    for (let i = 0; i < cols * cols; i++) expect(batched.gram![i]).toBeCloseTo(direct.gram![i], 4);
    for (let c = 0; c < cols; c++) expect(batched.sumAbs[c]).toBeCloseTo(direct.sumAbs[c], 4);
    // rows 0: every call's rows go on at once
    const unbatched = createRowBatch({ stats: createLinearInputStatistics({ cols }), rows: 0, backend: counting });
    products.length = 0;
    await unbatched.add(calls[0].x, calls[0].n);
    expect(products).toEqual([37]);
  });
});
