/**
 * The statistics-first AWQ driver: layer windows (one llama.cpp pass each, the graph stopped after the
 * window) give the same searches as one pass over all layers, and onLayer comes in layer order.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tinyFixtureDir } from "../../test/shared.js";
import { createPlainMatmulBackend } from "../calib/createPlainMatmulBackend.js";
import { packageRoot } from "../util/paths.js";
import { convertCheckpoint } from "../convert/convertCheckpoint.js";
import type { AwqLayerResult } from "./awqTypes.js";
import { searchGptOssAwqFromStatistics } from "./searchGptOssAwqFromStatistics.js";

let home: string;
let gguf: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "oss-prep-awq-stats-"));
  gguf = join(home, "tiny-bf16.gguf");
  await convertCheckpoint({ dir: tinyFixtureDir(), outPath: gguf, outtype: "bf16" });
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("searchGptOssAwqFromStatistics", () => {
  it("windows of 3 layers (3 passes) choose the same scales as one pass over all 8 layers", async () => {
    const sequences = [Array.from({ length: 80 }, (_, i) => (i * 37) % 4000), Array.from({ length: 48 }, (_, i) => (i * 11 + 5) % 4000)];
    const run = async (memoryBudgetBytes: number) => {
      const layers: AwqLayerResult[] = [];
      const backend = createPlainMatmulBackend();
      const result = await searchGptOssAwqFromStatistics({
        dir: tinyFixtureDir(), ggufPath: gguf, threads: 1, sequences, groupSize: 32, experts: "keep", clip: false, backend, memoryBudgetBytes, ubatch: 64,
        onLayer: async (l) => void layers.push(l),
      });
      await backend.dispose();
      return { layers, windows: result.windows };
    };
    // per layer: 8·(288² + 512²) bytes = 2.76 MB
    const windowed = await run(3 * 8 * (288 * 288 + 512 * 512));
    const whole = await run(2 ** 40);
    expect(windowed.windows).toEqual([[0, 1, 2], [3, 4, 5], [6, 7]]);
    expect(whole.windows).toEqual([[0, 1, 2, 3, 4, 5, 6, 7]]);
    expect(windowed.layers.map((l) => l.layer)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (let l = 0; l < 8; l++) {
      expect(Array.from(windowed.layers[l].scales.qkv!)).toEqual(Array.from(whole.layers[l].scales.qkv!));
      expect(Array.from(windowed.layers[l].scales.o!)).toEqual(Array.from(whole.layers[l].scales.o!));
    }
  });

  it("searches in worker threads (the compiled module) give exactly the in-thread results, delivered in layer order", async () => {
    // the pool runs dist/'s worker module: drive the compiled driver, in a child process (its koffi
    // types must not meet this process's); npm test builds first
    const script = `
      import { createHash } from "node:crypto";
      const { searchGptOssAwqFromStatistics } = await import(${JSON.stringify(join(packageRoot(), "dist", "src", "awq", "searchGptOssAwqFromStatistics.js"))});
      const { createOrtMatmulBackend } = await import(${JSON.stringify(join(packageRoot(), "dist", "src", "calib", "createOrtMatmulBackend.js"))});
      const sequences = [Array.from({ length: 96 }, (_, i) => (i * 29 + 3) % 4000)];
      const run = async (searchWorkers) => {
        const layers = [];
        const logs = [];
        const backend = await createOrtMatmulBackend({ intraOpNumThreads: 1 });
        await searchGptOssAwqFromStatistics({
          dir: ${JSON.stringify(tinyFixtureDir())}, ggufPath: ${JSON.stringify(gguf)}, threads: 2, searchWorkers, sequences, groupSize: 32, experts: "keep", backend, ubatch: 32,
          log: (m) => logs.push(m),
          onLayer: async (l) => {
            const h = createHash("sha256");
            for (const [name, t] of l.linears) h.update(name).update(new Uint8Array(t.qweight.buffer)).update(new Uint8Array(t.qzeros.buffer)).update(new Uint8Array(t.scales.buffer));
            for (const [name, v] of l.folded) h.update(name).update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
            h.update(JSON.stringify(l.report.scales));
            layers.push({ layer: l.layer, digest: h.digest("hex"), linears: l.linears.size });
          },
        });
        await backend.dispose();
        return { layers, logs };
      };
      process.stdout.write(JSON.stringify({ pooled: await run(2), inThread: await run(1) }));
    `;
    const file = join(home, "pool-check.mjs");
    await writeFile(file, script);
    const out = execFileSync(process.execPath, [file], { encoding: "utf8", maxBuffer: 1 << 24 });
    const { pooled, inThread } = JSON.parse(out) as Record<"pooled" | "inThread", { layers: Array<{ layer: number; digest: string; linears: number }>; logs: string[] }>;
    expect(pooled.logs).toContain("awq searches: 2 worker threads");
    expect(inThread.logs.some((l) => l.includes("worker threads"))).toBe(false);
    expect(pooled.layers.map((l) => l.layer)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(pooled.layers[0].linears).toBe(4);
    expect(pooled.layers).toEqual(inThread.layers);
  });
});
