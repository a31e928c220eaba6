/**
 * The planner's host-memory rules checked against llama.cpp itself, on this machine's CPU: the tiny
 * fixture quantized to Q5_K_M and MXFP4_MOE is loaded by node-llama-cpp's libllama with the tensor
 * overrides `--n-cpu-moe 3` adds, mapped and not mapped, and llama.cpp's own log is compared with
 * - the tensors the planner keeps on the host for --n-cpu-moe 3 (the loader logs each tensor an override
 *   matched: the same regular expressions, searched by std::regex_search);
 * - the host model buffers it allocated: CPU_Mapped, the file span of its tensors (mmap); CPU, their
 *   sizes rounded to 32 bytes (no mmap); CPU_REPACK, the weights it repacked (rounded to 32 bytes).
 *
 * Without a GPU every layer is on the CPU, so all tensors are host tensors here; on a CUDA machine the
 * same byte rules apply to the token embeddings and the --n-cpu-moe experts alone (CPU_Mapped with
 * mmap, CUDA_Host without; docs/vram.md). Which GPU each remaining tensor lands on is not observable
 * without a GPU: see docs/vram.md for the device measurements.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ggmlTensorBytes } from "../src/formats/gguf/ggmlTypes.js";
import { quantizeModel } from "../src/quant/quantizeModel.js";
import { cpuMoeOverridePatterns } from "../src/vram/cpuMoeOverridePatterns.js";
import { hostModelBufferBytes } from "../src/vram/hostModelBufferBytes.js";
import { parseLlamaBufferLine } from "../src/vram/parseLlamaBufferSizes.js";
import { planInputsFromGguf } from "../src/vram/planInputsFromGguf.js";
import { MIB, planVram } from "../src/vram/planVram.js";
import { loadLlamaOnCpu } from "./loadLlamaOnCpu.js";
import { tinyFixtureDir } from "./shared.js";

let dir: string;
const ggufs: Record<string, string> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "oss-prep-host-buffers-"));
  for (const type of ["Q5_K_M", "MXFP4_MOE"]) {
    ggufs[type] = join(dir, `tiny-${type}.gguf`);
    await quantizeModel({ input: tinyFixtureDir(), outPath: ggufs[type], type });
  }
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const modelBuffers = (log: string[]) =>
  new Map(log.map(parseLlamaBufferLine).flatMap((b) => (b && b.kind === "model" ? [[b.device, b.MiB] as const] : [])));

describe("host buffers: the planner's rules against llama.cpp on the CPU", () => {
  for (const type of ["Q5_K_M", "MXFP4_MOE"]) {
    for (const mmap of [true, false]) {
      it(`${type}, ${mmap ? "mmap" : "no mmap"}, --n-cpu-moe 3`, async () => {
        const inputs = await planInputsFromGguf(ggufs[type]);
        const patterns = cpuMoeOverridePatterns(3);
        const { log } = loadLlamaOnCpu({ ggufPath: ggufs[type], mmap, cpuOverridePatterns: patterns.map((p) => p.source) });

        // which tensors the overrides matched, by llama.cpp's loader and by the planner
        const overridden = log.flatMap((l) => /tensor (\S+) \(.*\) buffer type overridden to/.exec(l)?.[1] ?? []).sort();
        const planned = inputs.tensors.filter((t) => patterns.some((p) => p.test(t.name))).map((t) => t.name).sort();
        expect(overridden).toEqual(planned);
        // the experts' weights and biases of layers 0–2, nothing else (not the router, not layer 10+)
        expect(planned).toHaveLength(3 * 6);
        expect(planned).toContain("blk.2.ffn_down_exps.bias");
        expect(planned.some((n) => n.includes("gate_inp") || n.startsWith("blk.3."))).toBe(false);

        // the buffers: repacked weights apart, the rest in one CPU buffer (mapped or allocated)
        const repacked = new Set(log.flatMap((l) => /repack: repack tensor (\S+)/.exec(l)?.[1] ?? []));
        const host = inputs.tensors.map((t) => ({ name: t.name, offset: t.offset ?? 0, bytes: ggmlTensorBytes(t.type, t.shape) }));
        const buffers = modelBuffers(log);
        const rest = host.filter((t) => !repacked.has(t.name));
        const restName = mmap ? "CPU_Mapped" : "CPU";
        expect([...buffers.keys()].sort()).toEqual([restName, ...(repacked.size ? ["CPU_REPACK"] : [])].sort());
        expect(buffers.get(restName)).toBeCloseTo(hostModelBufferBytes({ tensors: rest, mmap }) / MIB, 2);
        if (repacked.size) {
          expect(buffers.get("CPU_REPACK")).toBeCloseTo(hostModelBufferBytes({ tensors: host.filter((t) => repacked.has(t.name)), mmap: false }) / MIB, 2);
        }
        // mapped: the span of the file's tensor data, gaps included, larger than the tensors alone
        if (mmap) expect(hostModelBufferBytes({ tensors: rest, mmap: true })).toBeGreaterThanOrEqual(hostModelBufferBytes({ tensors: rest, mmap: false }) - 32 * rest.length);
      }, 60_000);
    }
  }

  it("the planner's host tensors for a GPU plan use the same rules (token embeddings + the CPU layers' experts)", async () => {
    const inputs = await planInputsFromGguf(ggufs.Q5_K_M);
    const plan = planVram({ ...inputs, gpus: [{ label: "1GB", memoryMiB: 1024 }], ctx: 4096, parallel: 1, cpuMoeLayers: 3 });
    const patterns = cpuMoeOverridePatterns(3);
    const host = inputs.tensors
      .filter((t) => t.name.startsWith("token_embd.") || patterns.some((p) => p.test(t.name)))
      .map((t) => ({ offset: t.offset ?? 0, bytes: ggmlTensorBytes(t.type, t.shape) }));
    expect(plan.host.modelBuffer).toEqual({ name: "CPU_Mapped", MiB: hostModelBufferBytes({ tensors: host, mmap: true }) / MIB });
    expect(plan.host.weightsMiB * MIB).toBe(host.reduce((s, t) => s + t.bytes, 0));
  });
});
