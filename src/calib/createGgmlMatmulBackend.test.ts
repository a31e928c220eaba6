import { describe, expect, it } from "vitest";
import { mulberry32 } from "../util/mulberry32.js";
import { createGgmlMatmulBackend } from "./createGgmlMatmulBackend.js";
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

  it("undefined when the machine has no device of the type asked for", () => {
    // this machine and CI have no GPU backend (node-llama-cpp's CPU build)
    if (process.env.OSS_PREP_LLAMA_CPP_BINS) return;
    expect(createGgmlMatmulBackend({ device: "gpu" })).toBeUndefined();
  });
});
