/**
 * Params of the `vram` stage and `oss-prep vram` (one schema: see src/pipeline/paramSchema.ts).
 * `gpus` means GPU indices in mode measure (the only mode of the command) and GPU specs in mode plan
 * (pipeline files only), so its value is checked by `finish`, once the mode is known.
 */
import { defineParams, ParamProblem, type ParamContext } from "../../pipeline/paramSchema.js";
import { KV_CACHE_TYPE_NAMES, type KvCacheTypeName } from "../../vram/kvCacheTypes.js";

export interface VramStageParams {
  mode: "measure" | "plan";
  /** measure: nvidia-smi indices (undefined: all); plan: GPU specs. */
  gpus?: number[];
  gpuSpecs: string[];
  ctx: number;
  parallel: number;
  server?: string;
  /**
   * Placement beyond llama.cpp's defaults, present only when given (so the cache keys of stages that
   * do not use them stay as they were): --n-cpu-moe, the KV cache type (K and V), --no-mmap.
   */
  nCpuMoe?: number;
  cacheType?: KvCacheTypeName;
  mmap?: false;
}

const GPU_SPEC = /^(?:\d+\s*[x×]\s*)?\d+(?:\.\d+)?\s*(GB|GiB|G|MiB|MB)$/i;

/** "all" (undefined) or distinct nvidia-smi indices like "0,1". */
function gpuIndices(value: string | string[], ctx: ParamContext): number[] | undefined {
  if (value === "all") return undefined;
  const list = typeof value === "string" ? value.split(",").map((s) => s.trim()) : [];
  if (list.length === 0 || list.some((s) => !/^\d+$/.test(s))) ctx.fail("gpus", `expected "all" or GPU indices like "0,1", got ${JSON.stringify(value)}`);
  const indices = list.map(Number);
  if (new Set(indices).size !== indices.length) ctx.fail("gpus", `a GPU is named twice in ${JSON.stringify(value)}`);
  return indices;
}

export const vramParams = defineParams({
  options: {
    mode: { kind: "enum", choices: ["measure", "plan"], only: "yaml", help: "measure (default) on this machine's GPUs, or plan: the analytic estimate" },
    gpus: {
      kind: "custom",
      parse: (value) =>
        typeof value === "string" && value.length > 0
          ? value
          : Array.isArray(value) && value.every((s) => typeof s === "string" && s.length > 0)
            ? (value as string[])
            : new ParamProblem(`expected "all", GPU indices like "0,1", or (mode plan) a list of GPU specs like 1x24GB`),
      arg: "list",
      help: "GPU indices (nvidia-smi's), e.g. 0 or 0,1; layers are split across them (default: all)",
    },
    ctx: { kind: "integer", min: 1, max: 1_048_576, default: 4096, help: "KV cache size in tokens (llama-server's -c; per sequence for node-llama-cpp)" },
    // one default with plan and eval (1 sequence); the variants' pipelines ask for 8 where they measure serving
    parallel: { kind: "integer", min: 1, max: 256, default: 1, help: "parallel sequences (llama-server's -np; the workload runs up to this many at once)" },
    server: {
      kind: "string",
      arg: "command",
      help: "an OpenAI-compatible server command instead of node-llama-cpp; {model} {port} {ctx} {parallel} {threads} are substituted",
    },
    nCpuMoe: {
      kind: "integer",
      min: 0,
      max: 4096,
      arg: "N",
      help: "keep the experts of the first N layers in host memory (llama.cpp's --n-cpu-moe; added to a llama-server --server command)",
    },
    cacheType: { kind: "enum", choices: KV_CACHE_TYPE_NAMES, arg: "type", help: "KV cache type for K and V (llama.cpp's --cache-type-k/-v; default f16)" },
    mmap: { kind: "boolean", negate: true, help: "load the GGUF into host buffers instead of mapping it (llama.cpp's --no-mmap): pinned memory for the weights kept on the host" },
  },
  finish(p, ctx: ParamContext): VramStageParams {
    const mode = p.mode ?? "measure";
    const parallel = p.parallel;
    const placement = {
      ...(p.nCpuMoe ? { nCpuMoe: p.nCpuMoe } : {}),
      ...(p.cacheType && p.cacheType !== "f16" ? { cacheType: p.cacheType } : {}),
      ...(p.mmap === false ? { mmap: false as const } : {}),
    };
    if (mode === "plan") {
      if (p.server !== undefined) ctx.fail("server", "only for mode measure");
      const specs = p.gpus ?? ["1x24GB", "2x24GB", "1x80GB"];
      if (!Array.isArray(specs)) ctx.fail("gpus", `expected a list of GPU specs like 1x24GB, got ${JSON.stringify(specs)}`);
      for (const [i, spec] of specs.entries()) if (!GPU_SPEC.test(spec)) ctx.fail("gpus", `expected e.g. 1x24GB, got ${JSON.stringify(spec)}`, i);
      return { mode, gpuSpecs: specs, ctx: p.ctx, parallel, ...placement };
    }
    const gpus = gpuIndices(p.gpus ?? "all", ctx);
    if (p.server !== undefined && !p.server.includes("{model}")) ctx.fail("server", "the command must contain {model} (and {port})");
    return { mode, gpus, gpuSpecs: [], ctx: p.ctx, parallel, server: p.server, ...placement };
  },
});
