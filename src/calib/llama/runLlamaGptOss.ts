/**
 * The calibration engine on llama.cpp's own forward pass: decodes each calibration sequence of a
 * gpt-oss GGUF through libllama and reports, from the tensors its graph computes, the same events as
 * the TypeScript engine (runGptOss, see GptOssHooks) — hundreds of times faster at full size.
 *
 * Where each event field comes from (names are `<name>-<layer>`; names are not unique in the graph,
 * so each is matched together with its op):
 *   attnInput    attn_norm (MUL)                 [hidden, T]       input_layernorm output
 *   oProjInput   kqv_out (CONT, or RESHAPE of the flash-attention result) [nHeads·headDim, T], head-major
 *   mlpInput     attn_post_norm (MUL)            [hidden, T]       router and gate_up input
 *   routerLogits ffn_moe_probs (ADD)             [nExperts, T]     W·x + b (gpt-oss softmaxes only the top k)
 *   topkIdx      ffn_moe_topk (VIEW of ARGSORT)  [k, T] i32, strided
 *   topkWeights  ffn_moe_weights_softmax (RESHAPE) [1, k, T]
 *   downInput    ffn_moe_swiglu_oai (GLU)        [ffn, k, T]       slot j of token t ↔ expert topk[t, j]
 *   output       ffn_moe_down_biased (ADD_ID)    [hidden, k, T]    with bias, before the routing weight
 * llama.cpp is token-major: one graph takes a ubatch of tokens through every layer. The callback
 * (which cannot await) only copies the wanted tensors; after llama_decode returns, the hooks run for
 * that ubatch, layer by layer in order (see GptOssHooks for the ordering contract).
 *
 * The numbers are llama.cpp's CPU numerics, not transformers': bf16 weights multiply bf16-rounded
 * activations, MXFP4 experts q8_0-quantized ones, and the KV cache is F16 — a relative difference to
 * runGptOss of ~1e-3 in the first layer growing to ~2e-2 in the last on the fixture.
 */
import { InvalidInputError } from "../../errors.js";
import { type LlamaEvalContext, type ObservedTensor, openLlamaEvalContext } from "../../ggml/openLlamaEvalContext.js";
import type { ExpertEvent, GptOssHooks } from "../gptOssHooks.js";

/** Event fields a caller does not read: their tensors are neither asked for nor copied. */
export type LlamaCalibField = "attnInput" | "oProjInput" | "mlpInput" | "routerLogits" | "downInput" | "output";

export interface LlamaCalibProgress {
  tokensDone: number;
  tokensTotal: number;
  /** Calibration tokens per second so far (forward pass and hooks). */
  tokensPerSecond: number;
  etaSeconds: number;
}

export interface RunLlamaGptOssParams {
  /** A gpt-oss GGUF (the project's converter's bf16 output, or any llama.cpp can load). */
  ggufPath: string;
  /** Token id sequences; each is attended on its own (positions restart at 0), as in runGptOss. */
  sequences: ArrayLike<number>[];
  /** CPU threads of llama.cpp's decode. */
  threads: number;
  /** onLayer is not available: llama.cpp does not stop between layers for all tokens. */
  hooks: GptOssHooks;
  /** Layers to observe, ascending (default all). The graph stops after the last of them. */
  layers?: readonly number[];
  omit?: readonly LlamaCalibField[];
  /** Tokens per graph; default 512. Memory: the wanted tensors of one ubatch for every observed layer. */
  ubatch?: number;
  /** Layers offloaded to a GPU backend when the llama.cpp build has one (default −1: all, where a GPU backend is registered; CPU otherwise). */
  nGpuLayers?: number;
  signal?: AbortSignal;
  onProgress?: (progress: LlamaCalibProgress) => void;
}

export interface RunLlamaGptOssResult {
  tokens: number;
  sequenceOffsets: Int32Array;
  seconds: { decode: number; hooks: number };
}

type Kind = "attnInput" | "oProjInput" | "mlpInput" | "routerLogits" | "topk" | "topkWeights" | "downInput" | "output" | "layerEnd";

const TENSORS: Record<Kind, { name: string; ops: string[] }> = {
  attnInput: { name: "attn_norm", ops: ["MUL"] },
  oProjInput: { name: "kqv_out", ops: ["CONT", "RESHAPE"] },
  mlpInput: { name: "attn_post_norm", ops: ["MUL"] },
  routerLogits: { name: "ffn_moe_probs", ops: ["ADD"] },
  topk: { name: "ffn_moe_topk", ops: ["VIEW"] },
  topkWeights: { name: "ffn_moe_weights_softmax", ops: ["RESHAPE"] },
  downInput: { name: "ffn_moe_swiglu_oai", ops: ["GLU"] },
  output: { name: "ffn_moe_down_biased", ops: ["ADD_ID"] },
  layerEnd: { name: "l_out", ops: ["ADD"] },
};
const GGML_TYPE_F32 = 0;
const GGML_TYPE_I32 = 26;

/** One layer's copies for the current ubatch, row-major: [T, cols] or, for per-slot tensors, [T·k, cols]. */
interface LayerCopies {
  data: Map<Kind, Float32Array | Int32Array>;
  /** Columns (ne[0]) of each copied tensor; k for topk and topkWeights. */
  cols: Map<Kind, number>;
}

export async function runLlamaGptOss(params: RunLlamaGptOssParams): Promise<RunLlamaGptOssResult> {
  const { ggufPath, sequences, hooks } = params;
  if (hooks.onLayer) throw new TypeError("runLlamaGptOss: onLayer is not available (llama.cpp runs a ubatch through all layers at once)");
  if (sequences.length === 0) throw new InvalidInputError(ggufPath, "no sequences to run", "sequences");
  const sequenceOffsets = new Int32Array(sequences.length + 1);
  sequences.forEach((s, i) => {
    if (s.length === 0) throw new InvalidInputError(ggufPath, "empty sequence", `sequences[${i}]`);
    sequenceOffsets[i + 1] = sequenceOffsets[i] + s.length;
  });
  const total = sequenceOffsets[sequences.length];
  const maxLength = Math.max(...sequences.map((s) => s.length));
  const omit = new Set(params.omit ?? []);
  const needed = new Set<Kind>();
  const need = (...kinds: Kind[]) => { for (const k of kinds) if (!omit.has(k as LlamaCalibField)) needed.add(k); };
  if (hooks.onAttention) need("attnInput", "oProjInput");
  if (hooks.onRouting) need("mlpInput", "routerLogits", "topk", "topkWeights");
  if (hooks.onExpert) need("mlpInput", "topk", "topkWeights", "downInput", "output");

  const ubatch = params.ubatch ?? 512;
  let ctx: LlamaEvalContext | undefined;
  let opKinds = new Map<string, { kind: Kind; ops: Set<number> }>();
  let observed: Set<number> = new Set();
  let lastLayer = -1;
  let stopLayer = -1;
  let rowsInUbatch = 0;
  const copies: LayerCopies[] = [];
  let scratch = new ArrayBuffer(1 << 16);

  const parse = (name: string): { kind: Kind; layer: number } | undefined => {
    const dash = name.lastIndexOf("-");
    if (dash <= 0) return undefined;
    const entry = opKinds.get(name.slice(0, dash));
    if (!entry) return undefined;
    const layer = Number(name.slice(dash + 1));
    return Number.isInteger(layer) ? { kind: entry.kind, layer } : undefined;
  };
  const active = new Set<number>();

  const observe = (t: ObservedTensor): boolean => {
    const { header } = t;
    const p = parse(header.name)!;
    if (p.kind === "layerEnd") return p.layer !== stopLayer;
    const layerCopies = copies[p.layer];
    const key = p.layer * 16 + Object.keys(TENSORS).indexOf(p.kind);
    if (observed.has(key)) throw new InvalidInputError(ggufPath, `llama.cpp's graph computes ${header.name} twice in one ubatch: not a gpt-oss graph this engine knows`);
    observed.add(key);
    const [ne0, ne1, ne2, ne3] = header.ne;
    const perSlot = p.kind === "downInput" || p.kind === "output" || p.kind === "topkWeights";
    const rows = perSlot ? ne2 : ne1;
    const expectedType = p.kind === "topk" ? GGML_TYPE_I32 : GGML_TYPE_F32;
    const shapeOk = rows === rowsInUbatch && ne3 === 1 && (perSlot || ne2 === 1) && (p.kind !== "topkWeights" || ne0 === 1) && header.type === expectedType;
    if (!shapeOk) {
      throw new InvalidInputError(ggufPath, `layer ${p.layer}: tensor ${header.name} has shape [${header.ne.join(", ")}] type ${header.type}, expected ${rowsInUbatch} tokens (${TENSORS[p.kind].name} as gpt-oss computes it)`);
    }
    // [T, cols] or [T, k, cols] gathered row-major from ggml's strides (a view may be strided)
    const cols = p.kind === "topkWeights" ? ne1 : ne0;
    const slots = perSlot && p.kind !== "topkWeights" ? ne1 : 1;
    const length = rows * slots * cols;
    let dest = layerCopies.data.get(p.kind);
    if (!dest || dest.length !== length) {
      dest = p.kind === "topk" ? new Int32Array(length) : new Float32Array(length);
      layerCopies.data.set(p.kind, dest);
    }
    layerCopies.cols.set(p.kind, cols);
    const [nb0, nb1, nb2] = header.nb;
    const [s0, s1, s2] = p.kind === "topkWeights" ? [nb1, 0, nb2] : [nb0, nb1, nb2];
    if (s0 === 4 && s1 === cols * 4 && (slots === 1 ? true : s2 === slots * cols * 4) && t.nbytes === length * 4) {
      t.copyTo(dest);
      return true;
    }
    if (scratch.byteLength < t.nbytes) scratch = new ArrayBuffer(t.nbytes * 2);
    t.copyTo(new Uint8Array(scratch, 0, t.nbytes));
    const src = p.kind === "topk" ? new Int32Array(scratch) : new Float32Array(scratch);
    // token stride: nb1 for [cols, T] tensors, nb2 for per-slot ones; slot stride nb1
    const tokenStride = (perSlot ? nb2 : nb1) / 4;
    const slotStride = nb1 / 4;
    const colStride = s0 / 4;
    let i = 0;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < slots; j++) {
        const base = r * tokenStride + j * slotStride;
        for (let c = 0; c < cols; c++) dest[i++] = src[base + c * colStride];
      }
    }
    return true;
  };

  const started = performance.now();
  let hookSeconds = 0;
  try {
    ctx = openLlamaEvalContext({
      ggufPath,
      nCtx: Math.ceil(maxLength / 256) * 256,
      nUbatch: ubatch,
      threads: params.threads,
      nGpuLayers: params.nGpuLayers,
      observer: {
        wants(name, op) {
          const p = parse(name);
          if (!p) return false;
          if (p.kind === "layerEnd") return p.layer === stopLayer;
          return active.has(p.layer) && needed.has(p.kind) && opKinds.get(TENSORS[p.kind].name)!.ops.has(op);
        },
        observe,
      },
    });
    const nLayer = ctx.nLayer;
    const layers = params.layers ?? Array.from({ length: nLayer }, (_, i) => i);
    for (const layer of layers) {
      if (!Number.isInteger(layer) || layer < 0 || layer >= nLayer) throw new RangeError(`runLlamaGptOss: layer ${layer} is not one of the model's ${nLayer}`);
      active.add(layer);
    }
    lastLayer = Math.max(...layers);
    stopLayer = lastLayer < nLayer - 1 ? lastLayer : -1;
    opKinds = new Map(
      (Object.keys(TENSORS) as Kind[]).map((kind) => {
        const ops = new Set(TENSORS[kind].ops.map((op) => ctx!.opIds.get(op)!));
        return [TENSORS[kind].name, { kind, ops }];
      }),
    );
    for (let l = 0; l < nLayer; l++) copies.push({ data: new Map(), cols: new Map() });
    const ordered = [...active].sort((a, b) => a - b);

    let done = 0;
    for (let s = 0; s < sequences.length; s++) {
      ctx.clearMemory();
      const ids = Int32Array.from(sequences[s] as ArrayLike<number>);
      for (let start = 0; start < ids.length; start += ubatch) {
        params.signal?.throwIfAborted();
        const chunk = ids.subarray(start, Math.min(ids.length, start + ubatch));
        rowsInUbatch = chunk.length;
        observed = new Set();
        ctx.decode(chunk);
        const t0 = performance.now();
        const tokenOffset = sequenceOffsets[s] + start;
        for (const layer of ordered) {
          checkComplete(ggufPath, layer, observed, needed);
          await emitLayer({ hooks, layer, tokenOffset, rows: chunk.length, copies: copies[layer], sequenceOffsets });
        }
        hookSeconds += (performance.now() - t0) / 1000;
        done += chunk.length;
        const elapsed = (performance.now() - started) / 1000;
        const rate = done / Math.max(elapsed, 1e-9);
        params.onProgress?.({ tokensDone: done, tokensTotal: total, tokensPerSecond: rate, etaSeconds: (total - done) / rate });
      }
    }
  } finally {
    ctx?.close();
  }
  const seconds = (performance.now() - started) / 1000;
  return { tokens: total, sequenceOffsets, seconds: { decode: seconds - hookSeconds, hooks: hookSeconds } };
}

function checkComplete(ggufPath: string, layer: number, observed: Set<number>, needed: Set<Kind>): void {
  const kinds = Object.keys(TENSORS) as Kind[];
  for (const kind of needed) {
    if (!observed.has(layer * 16 + kinds.indexOf(kind))) {
      const { name, ops } = TENSORS[kind];
      throw new InvalidInputError(ggufPath, `llama.cpp's graph has no ${name}-${layer} tensor (${ops.join(" or ")}) for layer ${layer}: not a gpt-oss graph this engine knows`);
    }
  }
}

const EMPTY_F32 = new Float32Array(0);

async function emitLayer(params: { hooks: GptOssHooks; layer: number; tokenOffset: number; rows: number; copies: LayerCopies; sequenceOffsets: Int32Array }): Promise<void> {
  const { hooks, layer, tokenOffset, rows, copies } = params;
  const f32 = (kind: Kind) => (copies.data.get(kind) as Float32Array | undefined) ?? EMPTY_F32;
  if (hooks.onAttention) {
    await hooks.onAttention({ layer, tokenOffset, rows, attnInput: f32("attnInput"), oProjInput: f32("oProjInput") });
  }
  const topkIdx = copies.data.get("topk") as Int32Array | undefined;
  if (hooks.onRouting) {
    await hooks.onRouting({
      layer,
      tokens: rows,
      tokenOffset,
      sequenceOffsets: params.sequenceOffsets,
      mlpInput: f32("mlpInput"),
      routerLogits: f32("routerLogits"),
      topkIdx: topkIdx!,
      topkWeights: f32("topkWeights"),
    });
  }
  if (!hooks.onExpert) return;
  const k = copies.cols.get("topk")!;
  const weights = f32("topkWeights");
  const mlpInput = f32("mlpInput");
  const downInput = f32("downInput");
  const output = f32("output");
  const hidden = copies.cols.get("mlpInput") ?? 0;
  const ffn = copies.cols.get("downInput") ?? 0;
  const outCols = copies.cols.get("output") ?? 0;
  // (token, slot) pairs grouped by expert, tokens ascending within each
  const slotsOf = new Map<number, number[]>();
  for (let i = 0; i < rows * k; i++) {
    const e = topkIdx![i];
    const list = slotsOf.get(e);
    if (list) list.push(i);
    else slotsOf.set(e, [i]);
  }
  for (const expert of [...slotsOf.keys()].sort((a, b) => a - b)) {
    const slots = slotsOf.get(expert)!;
    const n = slots.length;
    const event: ExpertEvent = {
      layer,
      expert,
      tokens: new Int32Array(n),
      gateWeights: new Float32Array(n),
      input: new Float32Array(n * hidden),
      downInput: new Float32Array(n * ffn),
      output: new Float32Array(n * outCols),
    };
    slots.forEach((slot, i) => {
      const token = Math.floor(slot / k);
      event.tokens[i] = tokenOffset + token;
      event.gateWeights[i] = weights[slot];
      if (hidden) event.input.set(mlpInput.subarray(token * hidden, (token + 1) * hidden), i * hidden);
      if (ffn) event.downInput.set(downInput.subarray(slot * ffn, (slot + 1) * ffn), i * ffn);
      if (outCols) event.output.set(output.subarray(slot * outCols, (slot + 1) * outCols), i * outCols);
    });
    await hooks.onExpert(event);
  }
}
