import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { GptOssHyperparameters } from "../arch/gpt-oss/index.js";
import { dtypeByteSize, openCheckpoint, writeSafetensors, type SafetensorsCheckpoint, type SafetensorsDtype, type SafetensorsTensorToWrite } from "../formats/safetensors/index.js";
import type { AwqGemmTensors } from "./awqGemmLayout.js";
import type { AwqExpertPolicy, AwqLayerResult, AwqMethod } from "./awqTypes.js";
import { renderAwqCheckpointReadme } from "./renderAwqCheckpointReadme.js";

/** Files copied beside the weights when the source has them. */
const SIDE_FILES = ["tokenizer.json", "tokenizer_config.json", "generation_config.json", "special_tokens_map.json", "chat_template.jinja"];
const EXPERT_MXFP4 = /^model\.layers\.\d+\.mlp\.experts\.(gate_up_proj|down_proj)_(blocks|scales)$/;

export interface AwqCheckpointWriter {
  /** Write layer `result.layer`'s shard: its AWQ linears, folded tensors and every other tensor of the layer copied. */
  writeLayer(result: AwqLayerResult): Promise<void>;
  /** Write the embeddings/norm/lm_head shard, the index, config.json (with quantization_config), side files and README.md. */
  finish(params: { report: unknown }): Promise<{ files: string[] }>;
  close(): Promise<void>;
}

/**
 * The Hugging Face checkpoint of an AWQ run, in AutoAWQ's GEMM layout, written one shard per layer as
 * the layers finish (so the experts of one layer are the most it holds) plus one shard for the rest:
 * - every AWQ linear `X.weight` becomes `X.qweight` (int32 [in, out/8]), `X.qzeros` (int32
 *   [in/group, out/8]) and `X.scales` (fp16 [in/group, out]); its bias is unchanged;
 * - with experts awq, each expert of the fused `gate_up_proj_{blocks,scales}` / `down_proj_*` becomes
 *   `mlp.experts.E.gate_up_proj.*` / `mlp.experts.E.down_proj.*` (gate_up keeps transformers' interleaved
 *   rows: even = gate, odd = up); the expert biases stay fused;
 * - tensors AWQ folded a scale into (input_layernorm, v_proj.bias, and with experts awq
 *   post_attention_layernorm and the router weight) are float32, so the fold stays exact in the file;
 * - every other tensor (MXFP4 experts when kept included) is copied bit-exactly.
 */
export async function createAwqCheckpointWriter(params: {
  sourceDir: string;
  outDir: string;
  config: GptOssHyperparameters;
  groupSize: number;
  experts: AwqExpertPolicy;
  method: AwqMethod;
  clip: boolean;
  /** Calibration description for the README. */
  calibration: string;
  /** For the README's front matter (absent: no base model is claimed). */
  baseModel?: string;
}): Promise<AwqCheckpointWriter> {
  const { sourceDir, outDir, config } = params;
  await mkdir(outDir, { recursive: true });
  const source = await openCheckpoint({ dir: sourceDir });
  const shardCount = config.nLayers + 1;
  const shardName = (index: number) => `model-${String(index + 1).padStart(5, "0")}-of-${String(shardCount).padStart(5, "0")}.safetensors`;
  const weightMap: Record<string, string> = {};
  let totalSize = 0;
  const written = new Set<number>();

  const writeShard = async (index: number, tensors: SafetensorsTensorToWrite[]) => {
    // largest element size first keeps every tensor aligned to its element size (as the reference writer)
    const ordered = tensors
      .map((t, i) => ({ t, i }))
      .sort((a, b) => dtypeByteSize(b.t.dtype) - dtypeByteSize(a.t.dtype) || a.i - b.i)
      .map(({ t }) => t);
    const file = shardName(index);
    await writeSafetensors({ path: join(outDir, file), tensors: ordered, metadata: { format: "pt" } });
    for (const t of ordered) {
      weightMap[t.name] = file;
      totalSize += t.byteLength;
    }
  };

  return {
    async writeLayer(result) {
      const prefix = `model.layers.${result.layer}.`;
      const tensors: SafetensorsTensorToWrite[] = [];
      const usedLinears = new Set<string>();
      const usedFolded = new Set<string>();
      for (const info of source.tensors) {
        if (!info.name.startsWith(prefix)) continue;
        const linear = info.name.endsWith(".weight") ? info.name.slice(0, -".weight".length) : undefined;
        if (linear && result.linears.has(linear)) {
          tensors.push(...awqTensors(linear, result.linears.get(linear)!));
          usedLinears.add(linear);
        } else if (result.folded.has(info.name)) {
          const values = result.folded.get(info.name)!;
          tensors.push({ name: info.name, dtype: "F32", shape: info.shape, byteLength: values.byteLength, data: bytesOf(values) });
          usedFolded.add(info.name);
        } else if (params.experts === "awq" && EXPERT_MXFP4.test(info.name)) {
          // replaced by the per-expert AWQ linears below
        } else {
          tensors.push(copied(source, info.name, info.dtype, info.shape, info.byteLength));
        }
      }
      for (const [name, packed] of result.linears) {
        if (usedLinears.has(name)) continue;
        if (!/\.mlp\.experts\.\d+\./.test(name)) throw new Error(`awq checkpoint: no tensor ${name}.weight in the source`);
        tensors.push(...awqTensors(name, packed));
      }
      for (const name of result.folded.keys()) if (!usedFolded.has(name)) throw new Error(`awq checkpoint: no tensor ${name} in the source`);
      await writeShard(result.layer, tensors);
      written.add(result.layer);
    },

    async finish({ report }) {
      for (let layer = 0; layer < config.nLayers; layer++) if (!written.has(layer)) throw new Error(`awq checkpoint: layer ${layer} was not written`);
      const rest = source.tensors.filter((t) => !t.name.startsWith("model.layers."));
      await writeShard(config.nLayers, rest.map((t) => copied(source, t.name, t.dtype, t.shape, t.byteLength)));
      const sortedMap = Object.fromEntries(Object.keys(weightMap).sort().map((k) => [k, weightMap[k]]));
      await writeFile(join(outDir, "model.safetensors.index.json"), `${JSON.stringify({ metadata: { total_size: totalSize }, weight_map: sortedMap }, null, 2)}\n`);
      const sourceConfig = JSON.parse(await readFile(join(sourceDir, "config.json"), "utf8")) as Record<string, unknown>;
      const quantizationConfig = {
        quant_method: "awq",
        bits: 4,
        group_size: params.groupSize,
        zero_point: true,
        version: "gemm",
        modules_to_not_convert: ["mlp.router", "embed_tokens", "lm_head", ...(params.experts === "keep" ? ["mlp.experts"] : [])],
      };
      await writeFile(join(outDir, "config.json"), `${JSON.stringify({ ...sourceConfig, quantization_config: quantizationConfig }, null, 2)}\n`);
      const files = ["config.json", "model.safetensors.index.json", ...Array.from({ length: shardCount }, (_, i) => shardName(i))];
      for (const side of SIDE_FILES) {
        if (!existsSync(join(sourceDir, side))) continue;
        await copyFile(join(sourceDir, side), join(outDir, side));
        files.push(side);
      }
      await writeFile(join(outDir, "awq_report.json"), `${JSON.stringify(report, null, 2)}\n`);
      await writeFile(
        join(outDir, "README.md"),
        renderAwqCheckpointReadme({ groupSize: params.groupSize, experts: params.experts, method: params.method, clip: params.clip, calibration: params.calibration, sourceQuantization: sourceConfig.quantization_config, baseModel: params.baseModel }),
      );
      files.push("awq_report.json", "README.md");
      return { files };
    },

    close: () => source.close(),
  };
}

function awqTensors(linear: string, packed: AwqGemmTensors): SafetensorsTensorToWrite[] {
  const { inFeatures, outFeatures, groupSize } = packed;
  return [
    { name: `${linear}.qweight`, dtype: "I32", shape: [inFeatures, outFeatures / 8], byteLength: packed.qweight.byteLength, data: bytesOf(packed.qweight) },
    { name: `${linear}.qzeros`, dtype: "I32", shape: [inFeatures / groupSize, outFeatures / 8], byteLength: packed.qzeros.byteLength, data: bytesOf(packed.qzeros) },
    { name: `${linear}.scales`, dtype: "F16", shape: [inFeatures / groupSize, outFeatures], byteLength: packed.scales.byteLength, data: bytesOf(packed.scales) },
  ];
}

function copied(source: SafetensorsCheckpoint, name: string, dtype: SafetensorsDtype, shape: number[], byteLength: number): SafetensorsTensorToWrite {
  return { name, dtype, shape, byteLength, data: () => source.streamTensor(name, { chunkBytes: 64 << 20 }) };
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}
