import { readGptOssConfig } from "../arch/gpt-oss/index.js";
import { InvalidInputError } from "../errors.js";
import { bf16ToF32, f16ToF32 } from "../formats/float/floatConversions.js";
import { dequantizeHfMxfp4 } from "../formats/mxfp4/dequantizeHfMxfp4.js";
import { MXFP4_BLOCK_SIZE, MXFP4_NIBBLE_BYTES } from "../formats/mxfp4/mxfp4Tables.js";
import { openCheckpoint, type CheckpointTensorInfo, type SafetensorsCheckpoint } from "../formats/safetensors/index.js";
import type { GptOssExpertWeights, GptOssLayerWeights, GptOssWeightProvider } from "./gptOssWeights.js";

/**
 * The weights of a Hugging Face gpt-oss checkpoint folder, read on demand: a layer's small tensors when
 * the engine reaches it, one expert at a time (MXFP4 blocks dequantized exactly as transformers does, or
 * the dense [E, hidden, 2·ffn] layout transformers writes after dequantizing), embedding rows for the
 * ids asked for, lm_head in row ranges. Nothing is cached: memory is whatever the caller holds.
 */
export async function openGptOssWeights(params: { dir: string }): Promise<GptOssWeightProvider> {
  const config = await readGptOssConfig({ dir: params.dir });
  const checkpoint = await openCheckpoint({ dir: params.dir });
  const { hidden, expertFfn: ffn, nExperts } = config;

  const readFloat = async (name: string, expectedShape?: number[]): Promise<Float32Array> => {
    const info = checkpoint.get(name);
    if (expectedShape) checkShape(info, expectedShape);
    return decodeFloats(info, await checkpoint.readTensor(name));
  };
  /** Rows [start, end) of a 2-D float tensor. */
  const readFloatRows = async (name: string, start: number, end: number): Promise<Float32Array> => {
    const info = checkpoint.get(name);
    const rowBytes = (info.byteLength / info.shape[0]) | 0;
    return decodeFloats(info, await checkpoint.readTensorRange(name, start * rowBytes, end * rowBytes));
  };
  const layerPrefix = (layer: number): string => {
    if (!Number.isInteger(layer) || layer < 0 || layer >= config.nLayers) throw new RangeError(`layer ${layer} is not in [0, ${config.nLayers})`);
    return `model.layers.${layer}`;
  };
  const lmHeadName = checkpoint.has("lm_head.weight") || !config.tieWordEmbeddings ? "lm_head.weight" : "model.embed_tokens.weight";

  return {
    config,
    async embeddingRows(ids) {
      const out = new Float32Array(ids.length * hidden);
      // One read per distinct id, in id order (sequential I/O), then copied to every position using it.
      const unique = [...new Set(Array.from(ids))].sort((a, b) => a - b);
      const rowOf = new Map<number, Float32Array>();
      for (const id of unique) {
        if (!Number.isInteger(id) || id < 0 || id >= config.vocabSize) throw new RangeError(`token id ${id} is not in [0, ${config.vocabSize})`);
        rowOf.set(id, await readFloatRows("model.embed_tokens.weight", id, id + 1));
      }
      for (let i = 0; i < ids.length; i++) out.set(rowOf.get(ids[i])!, i * hidden);
      return out;
    },
    async layer(layer): Promise<GptOssLayerWeights> {
      const p = layerPrefix(layer);
      const { nHeads, nKvHeads, headDim } = config;
      const qOut = nHeads * headDim;
      const kvOut = nKvHeads * headDim;
      return {
        inputNorm: await readFloat(`${p}.input_layernorm.weight`, [hidden]),
        postAttentionNorm: await readFloat(`${p}.post_attention_layernorm.weight`, [hidden]),
        attention: {
          qWeight: await readFloat(`${p}.self_attn.q_proj.weight`, [qOut, hidden]),
          qBias: await readFloat(`${p}.self_attn.q_proj.bias`, [qOut]),
          kWeight: await readFloat(`${p}.self_attn.k_proj.weight`, [kvOut, hidden]),
          kBias: await readFloat(`${p}.self_attn.k_proj.bias`, [kvOut]),
          vWeight: await readFloat(`${p}.self_attn.v_proj.weight`, [kvOut, hidden]),
          vBias: await readFloat(`${p}.self_attn.v_proj.bias`, [kvOut]),
          oWeight: await readFloat(`${p}.self_attn.o_proj.weight`, [hidden, qOut]),
          oBias: await readFloat(`${p}.self_attn.o_proj.bias`, [hidden]),
          sinks: await readFloat(`${p}.self_attn.sinks`, [nHeads]),
        },
        routerWeight: await readFloat(`${p}.mlp.router.weight`, [nExperts, hidden]),
        routerBias: await readFloat(`${p}.mlp.router.bias`, [nExperts]),
      };
    },
    async expert(layer, expert): Promise<GptOssExpertWeights> {
      const p = `${layerPrefix(layer)}.mlp.experts`;
      if (!Number.isInteger(expert) || expert < 0 || expert >= nExperts) throw new RangeError(`expert ${expert} is not in [0, ${nExperts})`);
      const biasRow = async (name: string, width: number): Promise<Float32Array> => {
        checkShape(checkpoint.get(name), [nExperts, width]);
        return readFloatRows(name, expert, expert + 1);
      };
      const gateUpBias = await biasRow(`${p}.gate_up_proj_bias`, 2 * ffn);
      const downBias = await biasRow(`${p}.down_proj_bias`, hidden);
      if (checkpoint.has(`${p}.gate_up_proj_blocks`)) {
        return {
          gateUp: await readMxfp4Expert(checkpoint, `${p}.gate_up_proj`, expert, [nExperts, 2 * ffn, hidden]),
          gateUpBias,
          down: await readMxfp4Expert(checkpoint, `${p}.down_proj`, expert, [nExperts, hidden, ffn]),
          downBias,
        };
      }
      // Dense layout written by transformers after dequantizing: [E, in, out] (x @ W), transposed here to [out, in].
      checkShape(checkpoint.get(`${p}.gate_up_proj`), [nExperts, hidden, 2 * ffn]);
      checkShape(checkpoint.get(`${p}.down_proj`), [nExperts, ffn, hidden]);
      return {
        gateUp: transpose(await readFloatRows(`${p}.gate_up_proj`, expert, expert + 1), hidden, 2 * ffn),
        gateUpBias,
        down: transpose(await readFloatRows(`${p}.down_proj`, expert, expert + 1), ffn, hidden),
        downBias,
      };
    },
    finalNorm: () => readFloat("model.norm.weight", [hidden]),
    async lmHeadRows(start, end) {
      checkShape(checkpoint.get(lmHeadName), [config.vocabSize, hidden]);
      if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || start > end || end > config.vocabSize) {
        throw new RangeError(`lm_head rows [${start}, ${end}) are not within [0, ${config.vocabSize})`);
      }
      return readFloatRows(lmHeadName, start, end);
    },
    close: () => checkpoint.close(),
  };
}

/** One expert's [rows, cols] slice of an MXFP4 `<name>_blocks` [E, rows, cols/32, 16] / `<name>_scales` [E, rows, cols/32] pair. */
async function readMxfp4Expert(
  checkpoint: SafetensorsCheckpoint,
  name: string,
  expert: number,
  shape: [number, number, number],
): Promise<Float32Array> {
  const [nExperts, rows, cols] = shape;
  const blocksInfo = checkpoint.get(`${name}_blocks`);
  const scalesInfo = checkpoint.get(`${name}_scales`);
  checkShape(blocksInfo, [nExperts, rows, cols / MXFP4_BLOCK_SIZE, MXFP4_NIBBLE_BYTES], "U8");
  checkShape(scalesInfo, [nExperts, rows, cols / MXFP4_BLOCK_SIZE], "U8");
  const nBlocks = (rows * cols) / MXFP4_BLOCK_SIZE;
  const blocks = await checkpoint.readTensorRange(blocksInfo.name, expert * nBlocks * MXFP4_NIBBLE_BYTES, (expert + 1) * nBlocks * MXFP4_NIBBLE_BYTES);
  const scales = await checkpoint.readTensorRange(scalesInfo.name, expert * nBlocks, (expert + 1) * nBlocks);
  return dequantizeHfMxfp4({ blocks, scales });
}

function checkShape(info: CheckpointTensorInfo, shape: number[], dtype?: string): void {
  if (info.shape.length !== shape.length || info.shape.some((d, i) => d !== shape[i])) {
    throw new InvalidInputError(info.file, `shape [${info.shape.join(", ")}], expected [${shape.join(", ")}] from config.json`, info.name);
  }
  if (dtype !== undefined && info.dtype !== dtype) throw new InvalidInputError(info.file, `dtype ${info.dtype}, expected ${dtype}`, info.name);
}

function decodeFloats(info: CheckpointTensorInfo, bytes: Buffer): Float32Array {
  // Buffers from readTensorRange are not guaranteed to be aligned for typed-array views: copy once into aligned memory.
  const aligned = new Uint8Array(bytes.byteLength);
  aligned.set(bytes);
  switch (info.dtype) {
    case "F32":
      return new Float32Array(aligned.buffer);
    case "BF16":
      return bf16ToF32(new Uint16Array(aligned.buffer));
    case "F16":
      return f16ToF32(new Uint16Array(aligned.buffer));
    default:
      throw new InvalidInputError(info.file, `dtype ${info.dtype} is not a float type the calibration engine reads (F32, BF16, F16)`, info.name);
  }
}

function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c];
  return t;
}
