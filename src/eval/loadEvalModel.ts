/**
 * Load a GGUF in node-llama-cpp for evaluation. node-llama-cpp is imported here, lazily, so that
 * `oss-prep --help` and pipeline validation never load the native addon.
 *
 * Two choices matter for correctness and speed:
 * - threads: node-llama-cpp's default oversubscribes small machines (4 threads on 2 vCPUs ran a
 *   47-token prompt in 1.6 s instead of 24 ms), so the count always comes from machineThreads().
 * - swaFullCache: gpt-oss alternates sliding-window and full attention layers; llama.cpp's default
 *   SWA cache forgets cells older than the window, which makes rolling a slot back to a shared prefix
 *   (four choices after one context, questions after one set of shots) re-evaluate everything. The
 *   full cache costs a few MiB per slot here and keeps prefix reuse exact.
 */
import { existsSync } from "node:fs";
import { EnvironmentError, InvalidInputError } from "../errors.js";
import { machineThreads } from "../util/threads.js";
import type { EvalModel, EvalSequence, LogProbs } from "./evalModel.js";

type NodeLlamaCpp = typeof import("node-llama-cpp");
type Token = import("node-llama-cpp").Token;
type ControlledEvaluateInputItem = import("node-llama-cpp").ControlledEvaluateInputItem;
type Llama = Awaited<ReturnType<NodeLlamaCpp["getLlama"]>>;
type LlamaContextSequence = ReturnType<Awaited<ReturnType<Awaited<ReturnType<Llama["loadModel"]>>["createContext"]>>["getSequence"]>;

/** Smallest positive float32 (denormal): llama.cpp computes probabilities in float32, so a probability
 * that underflowed to 0 was below this. Using its log keeps KL finite and is exact to float precision. */
export const LOG_PROB_FLOOR = Math.log(1.401298464324817e-45);

/**
 * Fewest tokens a slot evaluates at once when it has that many. ggml's CPU flash attention takes a
 * tiled float32 path for 64 or more query rows (GGML_FA_TILE_Q) and a float16-accumulating one below:
 * evaluating the last few tokens after a reused prefix would make a position's distribution depend on
 * how the sequence was split (and less precise: 2.5× the KL to transformers' reference on the fixture's
 * 5-shot prompt). Re-evaluating at least this many tokens makes prefix reuse give exactly what one
 * fresh evaluation gives.
 */
const MIN_EVAL_CHUNK = 64;

/**
 * Outputs per runtime call ≈ this / vocabulary size (at least MIN_EVAL_CHUNK): each output's probability
 * Map is converted and dropped as it arrives, but the runtime's per-call bookkeeping grows with outputs.
 */
const MAX_VALUES_PER_CALL = 4_000_000;

const llamaInstances = new Map<string, Promise<Llama>>();

async function getLlamaInstance(gpu: boolean, threads: number): Promise<Llama> {
  const key = `${gpu}:${threads}`;
  let instance = llamaInstances.get(key);
  if (!instance) {
    instance = (async () => {
      const { getLlama, LlamaLogLevel } = (await import("node-llama-cpp")) as NodeLlamaCpp;
      try {
        return await getLlama({
          gpu: gpu ? "auto" : false,
          build: "never",
          maxThreads: threads,
          logLevel: LlamaLogLevel.error,
          progressLogs: false,
        });
      } catch (error) {
        throw new EnvironmentError(`cannot load llama.cpp through node-llama-cpp: ${(error as Error).message}`, { cause: error });
      }
    })();
    llamaInstances.set(key, instance);
  }
  return instance;
}

export async function loadEvalModel(params: {
  path: string;
  /** Offload to CUDA/Metal/Vulkan when present. Default false (CPU). */
  gpu?: boolean;
  threads?: number;
  /** Distributions returned per runtime call (default from the vocabulary size; at least 64). */
  outputsPerCall?: number;
}): Promise<EvalModel> {
  const { path } = params;
  if (!existsSync(path)) throw new InvalidInputError(path, "no such file");
  const threads = params.threads ?? machineThreads();
  const llama = await getLlamaInstance(params.gpu === true, threads);
  let model: Awaited<ReturnType<Llama["loadModel"]>>;
  try {
    model = await llama.loadModel({ modelPath: path, gpuLayers: params.gpu ? "auto" : 0 });
  } catch (error) {
    throw new InvalidInputError(path, `llama.cpp cannot load this model: ${(error as Error).message}`, undefined, { cause: error });
  }
  const metadata = model.fileInfo.metadata as unknown as { tokenizer?: { ggml?: { tokens?: readonly unknown[]; unknown_token_id?: number } } };
  const vocabSize = metadata.tokenizer?.ggml?.tokens?.length;
  if (!vocabSize) {
    await model.dispose();
    throw new InvalidInputError(path, "no tokenizer vocabulary in the GGUF", "tokenizer.ggml.tokens");
  }
  const maxOutputsPerCall = Math.max(MIN_EVAL_CHUNK, params.outputsPerCall ?? Math.floor(MAX_VALUES_PER_CALL / vocabSize));
  return {
    path,
    vocabSize,
    trainContextSize: model.trainContextSize,
    threads,
    device: llama.gpu === false ? "cpu" : llama.gpu,
    unknownToken: metadata.tokenizer?.ggml?.unknown_token_id,
    tokenize: (text) => Array.from(model.tokenize(text, false)),
    async createSlots({ contextSize, sequences: sequenceCount, batchSize }) {
      const size = Math.max(16, contextSize);
      const count = Math.max(1, sequenceCount);
      let context: Awaited<ReturnType<typeof model.createContext>>;
      try {
        context = await model.createContext({
          contextSize: size,
          sequences: count,
          // a whole prompt in one batch: a short tail batch would take the float16 attention path (see MIN_EVAL_CHUNK)
          batchSize: Math.min(batchSize ?? Math.max(512, Math.min(size, 4096)), size * count),
          threads,
          swaFullCache: true,
        });
      } catch (error) {
        throw new EnvironmentError(`cannot create a llama.cpp context of ${size} tokens × ${count} slots for ${path}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      const sequences: EvalSequence[] = [];
      for (let i = 0; i < count; i++) sequences.push(wrapSequence(context.getSequence(), vocabSize, maxOutputsPerCall));
      return {
        contextSize: context.contextSize,
        sequences,
        dispose: () => context.dispose(),
      };
    },
    dispose: () => model.dispose(),
  };
}

function toLogProbs(probabilities: Map<number, number>, vocabSize: number): LogProbs {
  const logProbs = new Float32Array(vocabSize).fill(LOG_PROB_FLOOR);
  for (const [token, p] of probabilities) {
    if (token >= 0 && token < vocabSize && p > 0) logProbs[token] = Math.log(p);
  }
  return logProbs;
}

function wrapSequence(sequence: LlamaContextSequence, vocabSize: number, maxOutputsPerCall: number): EvalSequence {
  let queue: Promise<unknown> = Promise.resolve();
  // One operation at a time per slot; different slots run concurrently and share decode batches.
  const serialize = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };

  const truncate = async (length: number) => {
    const end = sequence.nextTokenIndex;
    if (length < end) await sequence.eraseContextTokenRanges([{ start: length, end }]);
  };

  let evaluatedTokens = 0;
  return {
    get evaluatedTokens() {
      return evaluatedTokens;
    },
    get cachedTokens() {
      return sequence.contextTokens;
    },
    truncate: (length) => serialize(() => truncate(length)),
    evaluate: (tokens, outputPositions) =>
      serialize(async () => {
        const outputs = [...new Set(outputPositions)].sort((a, b) => a - b);
        if (outputs.length > 0 && (outputs[0] < 0 || outputs[outputs.length - 1] >= tokens.length)) {
          throw new RangeError(`output position out of range [0, ${tokens.length})`);
        }
        if (tokens.length > sequence.contextSize) {
          throw new RangeError(`${tokens.length} tokens do not fit the context of ${sequence.contextSize}`);
        }
        const common = sequence.compareContextTokens(tokens as Token[]).firstDifferentIndex;
        const keep = Math.max(0, Math.min(common, outputs.length > 0 ? outputs[0] : tokens.length, tokens.length - MIN_EVAL_CHUNK));
        await truncate(keep);
        const result = new Map<number, LogProbs>();
        evaluatedTokens += tokens.length - keep;
        let start = keep;
        // Segments of at most `maxOutputsPerCall` outputs keep the runtime's per-call result small; none is
        // shorter than MIN_EVAL_CHUNK tokens (a short last segment joins the one before), for the reason above.
        let outputIndex = 0;
        while (start < tokens.length) {
          const first = outputIndex;
          const segmentOutputs = outputs.slice(first, first + maxOutputsPerCall);
          let end = segmentOutputs.length === maxOutputsPerCall ? Math.max(segmentOutputs[segmentOutputs.length - 1] + 1, start + MIN_EVAL_CHUNK) : tokens.length;
          if (tokens.length - end < MIN_EVAL_CHUNK) end = tokens.length;
          while (outputIndex < outputs.length && outputs[outputIndex] < end) outputIndex++;
          const wanted = new Set(outputs.slice(first, outputIndex));
          if (wanted.size === 0) {
            await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(start, end) as Token[]);
          } else {
            const input: ControlledEvaluateInputItem[] = tokens
              .slice(start, end)
              .map((t, i) => (wanted.has(start + i) ? [t as Token, { generateNext: { probabilities: true } }] : (t as Token)));
            await sequence.controlledEvaluate(input, {
              onTokenResult(index, output) {
                const probabilities = output.next.probabilities;
                if (!probabilities) return;
                result.set(start + index, toLogProbs(probabilities, vocabSize));
                // the runtime keeps the output object in its result array: drop the Map now
                delete output.next.probabilities;
              },
            });
          }
          start = end;
        }
        for (const p of outputs) {
          if (!result.has(p)) throw new Error(`llama.cpp returned no distribution for position ${p}`);
        }
        return result;
      }),
  };
}
