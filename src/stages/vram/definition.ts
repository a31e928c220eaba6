/**
 * Pipeline stage `vram`: GPU memory of the build's GGUF.
 * - `mode: measure` (default): `oss-prep vram` on this machine's NVIDIA GPUs (`gpus`: "all" or
 *   indices like "0,1"), at `ctx` tokens with `parallel` sequences, through node-llama-cpp or the
 *   OpenAI-compatible `server` command. Without a GPU the stage fails (EnvironmentError): a "skipped"
 *   result would be cached under the same key and served later as if it were a measurement.
 * - `mode: plan`: the analytic estimate of `oss-prep plan` for each of `gpus` ("1x24GB", "2x24GB"…),
 *   deterministic and runnable anywhere.
 * Outputs vram.json, vram.md and vram.html (measure) or vram-plan.json and vram-plan.md (plan).
 */
import { InvalidInputError } from "../../errors.js";
import { join, optionalEnum, optionalInteger, optionalString, optionalStringList, rejectUnknownKeys } from "../../pipeline/yamlFields.js";
import type { StageDefinition } from "../../pipeline/types.js";

export interface VramStageParams {
  mode: "measure" | "plan";
  /** measure: nvidia-smi indices (undefined: all); plan: GPU specs. */
  gpus?: number[];
  gpuSpecs: string[];
  ctx: number;
  parallel: number;
  server?: string;
}

export const vramStage: StageDefinition<VramStageParams> = {
  name: "vram",
  version: 1,
  description: "measure GPU memory phase by phase on this machine's NVIDIA GPUs (or estimate it: mode plan)",
  inputs: [{ name: "gguf", kind: "gguf" }],
  outputs: [{ name: "vram", kind: "vram", exported: true }],
  parseParams(raw, where) {
    rejectUnknownKeys(raw, ["mode", "gpus", "ctx", "parallel", "server"], where.file, where.key);
    const mode = optionalEnum(raw, "mode", ["measure", "plan"] as const, where.file, where.key) ?? "measure";
    const ctx = optionalInteger(raw, "ctx", where.file, where.key, { min: 1 }) ?? 4096;
    const parallel = optionalInteger(raw, "parallel", where.file, where.key, { min: 1 }) ?? (mode === "measure" ? 8 : 1);
    const server = optionalString(raw, "server", where.file, where.key);
    if (mode === "plan") {
      if (server !== undefined) throw new InvalidInputError(where.file, "only for mode measure", join(where.key, "server"));
      const specs = optionalStringList(raw, "gpus", where.file, where.key) ?? ["1x24GB", "2x24GB", "1x80GB"];
      for (const [i, spec] of specs.entries()) {
        if (!/^(?:\d+\s*[x×]\s*)?\d+(?:\.\d+)?\s*(GB|GiB|G|MiB|MB)$/i.test(spec)) throw new InvalidInputError(where.file, `expected e.g. 1x24GB, got ${JSON.stringify(spec)}`, join(join(where.key, "gpus"), i));
      }
      return { mode, gpuSpecs: specs, ctx, parallel };
    }
    const gpusRaw = optionalString(raw, "gpus", where.file, where.key) ?? "all";
    let gpus: number[] | undefined;
    if (gpusRaw !== "all") {
      if (!/^\d+(,\d+)*$/.test(gpusRaw)) throw new InvalidInputError(where.file, `expected "all" or GPU indices like "0,1", got ${JSON.stringify(gpusRaw)}`, join(where.key, "gpus"));
      gpus = gpusRaw.split(",").map(Number);
    }
    if (server !== undefined && !server.includes("{model}")) throw new InvalidInputError(where.file, "the command must contain {model} (and {port})", join(where.key, "server"));
    return { mode, gpus, gpuSpecs: [], ctx, parallel, server };
  },
  async load() {
    return (await import("./runVramStage.js")).runVramStage;
  },
};
