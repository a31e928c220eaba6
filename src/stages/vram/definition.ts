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
import { defineStage } from "../../pipeline/defineStage.js";
import { type VramStageParams, vramParams } from "./params.js";

export const vramStage = defineStage<VramStageParams>({
  name: "vram",
  version: 1,
  description: "measure GPU memory phase by phase on this machine's NVIDIA GPUs (or estimate it: mode plan)",
  inputs: [{ name: "gguf", kind: "gguf" }],
  outputs: [{ name: "vram", kind: "vram", exported: true }],
  params: vramParams,
  async load() {
    return (await import("./runVramStage.js")).runVramStage;
  },
});
