import { describe, expect, it } from "vitest";
import { mulberry32 } from "../util/mulberry32.js";
import { addLinearInputRows } from "../awq/addLinearInputRows.js";
import { createLinearInputStatistics } from "../awq/linearInputStatistics.js";
import { createGgmlMatmulBackend } from "./createGgmlMatmulBackend.js";
import { createPlainMatmulBackend } from "./createPlainMatmulBackend.js";
import { plainMatmulBias } from "./createPlainMatmulBackend.js";

describe("createGgmlMatmulBackend", () => {
  it("computes x·Wᵀ + b as the plain backend does, on ggml's CPU device (here; CUDA on a GPU host), subarray inputs included", async () => {
    const backend = createGgmlMatmulBackend({ device: "cpu" });
    expect(backend).toBeDefined();
    try {
      const next = mulberry32(4);
      const [n, k, m] = [37, 96, 21];
      const storage = Float32Array.from({ length: n * k + 5 }, () => next() - 0.5);
      const x = storage.subarray(5);
      const weight = Float32Array.from({ length: m * k }, () => next() - 0.5);
      const bias = Float32Array.from({ length: m }, () => next());
      for (const b of [undefined, bias]) {
        const expected = plainMatmulBias({ x, n, k, weight, m, bias: b });
        const actual = await backend!.matmulBias({ x, n, k, weight, m, bias: b });
        expect(actual).toHaveLength(n * m);
        for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i], 4);
      }
      // a Gram product, as addLinearInputRows asks for it: Xᵀ·X from the transposed rows
      const gram = await backend!.matmulBias({ x: weight, n: m, k, weight, m });
      for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) expect(gram[i * m + j]).toBeCloseTo(gram[j * m + i], 4);
    } finally {
      await backend?.dispose();
    }
  });

  it("inputStatistics: XᵀX, Σ|x| and Σx on the device, and addLinearInputRows takes them as the host computes them", async () => {
    const backend = createGgmlMatmulBackend({ device: "cpu" })!;
    try {
      const next = mulberry32(12);
      const cols = 40;
      const batches = [70, 33].map((n) => ({ n, x: Float32Array.from({ length: n * cols }, () => (next() - 0.5) * (next() < 0.1 ? 20 : 1)) }));
      const onDevice = createLinearInputStatistics({ cols });
      const onHost = createLinearInputStatistics({ cols });
      for (const { x, n } of batches) {
        await addLinearInputRows({ stats: onDevice, x, n, backend });
        await addLinearInputRows({ stats: onHost, x, n, backend: createPlainMatmulBackend() });
      }
      expect(onDevice.count).toBe(103);
      for (let i = 0; i < cols * cols; i++) expect(onDevice.gram![i]).toBeCloseTo(onHost.gram![i], 2);
      for (let c = 0; c < cols; c++) {
        expect(onDevice.sumAbs[c]).toBeCloseTo(onHost.sumAbs[c], 3);
        expect(onDevice.sum[c]).toBeCloseTo(onHost.sum[c], 3);
      }
      // kept rows (an expert's few tokens) stay on the host path
      const kept = createLinearInputStatistics({ cols, keepRows: true });
      await addLinearInputRows({ stats: kept, x: batches[1].x, n: 33, backend });
      expect(kept.rows).toHaveLength(33 * cols);
    } finally {
      await backend.dispose();
    }
  });

  it("undefined when the machine has no device of the type asked for", () => {
    // this machine and CI have no GPU backend (node-llama-cpp's CPU build)
    if (process.env.OSS_PREP_LLAMA_CPP_BINS) return;
    expect(createGgmlMatmulBackend({ device: "gpu" })).toBeUndefined();
  });
});
