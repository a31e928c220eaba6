/**
 * Child process of the node-llama-cpp VRAM runtime (startNodeLlamaCppRuntime.ts): holds the model and
 * context and answers the parent's requests over IPC. A child process, so that the GPU memory it holds
 * is wholly released when it exits and a CUDA failure cannot take the measuring process down with it.
 */
import type { CompletionRequest, CompletionResult } from "./types.js";

type Request =
  | { id: number; op: "init"; gpu: "cuda" | "auto" | false }
  | { id: number; op: "loadModel"; modelPath: string; useMmap?: boolean }
  | { id: number; op: "createContext"; ctx: number; parallel: number; threads: number; flashAttention: boolean; kvCacheKeyType?: string; kvCacheValueType?: string }
  | { id: number; op: "tokenize"; text: string }
  | ({ id: number; op: "complete" } & CompletionRequest)
  | { id: number; op: "dispose" };

// node-llama-cpp is imported dynamically in this worker; its objects are held untyped here.
// biome-ignore lint/suspicious/noExplicitAny: dynamic import, see above
let llama: any;
// biome-ignore lint/suspicious/noExplicitAny: dynamic import, see above
let model: any;
// biome-ignore lint/suspicious/noExplicitAny: dynamic import, see above
let context: any;
// biome-ignore lint/suspicious/noExplicitAny: dynamic import, see above
const sessions = new Map<string, any>();

function send(message: unknown): void {
  process.send?.(message);
}

async function handle(request: Request): Promise<unknown> {
  switch (request.op) {
    case "init": {
      const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
      llama = await getLlama({
        gpu: request.gpu,
        logLevel: LlamaLogLevel.info,
        logger: (_level: unknown, message: string) => {
          for (const line of message.split("\n")) if (line.trim()) send({ log: line });
        },
      });
      const { toolVersions } = await import("../../pipeline/manifest.js");
      const versions = toolVersions();
      return { gpu: llama.gpu, version: `node-llama-cpp ${versions.nodeLlamaCpp} (llama.cpp ${llama.llamaCppRelease?.release ?? versions.llamaCpp}, ${llama.gpu || "cpu"})` };
    }
    case "loadModel":
      model = await llama.loadModel({ modelPath: request.modelPath, gpuLayers: "max", ...(request.useMmap === false ? { useMmap: false } : {}) });
      return { size: model.size };
    case "createContext":
      context = await model.createContext({
        contextSize: request.ctx,
        sequences: request.parallel,
        threads: request.threads,
        flashAttention: request.flashAttention,
        ...(request.kvCacheKeyType ? { experimentalKvCacheKeyType: request.kvCacheKeyType } : {}),
        ...(request.kvCacheValueType ? { experimentalKvCacheValueType: request.kvCacheValueType } : {}),
      });
      return { contextSize: context.contextSize };
    case "tokenize":
      return model.tokenize(request.text);
    case "complete":
      return await complete(request);
    case "dispose":
      await context?.dispose();
      await model?.dispose();
      await llama?.dispose();
      return null;
  }
}

async function complete(request: CompletionRequest): Promise<CompletionResult> {
  const started = performance.now();
  let sequence = request.session ? sessions.get(request.session) : undefined;
  const ownsSequence = !request.session;
  if (!sequence) {
    sequence = context.getSequence();
    if (request.session) sessions.set(request.session, sequence);
  }
  try {
    // a session continues its sequence: keep the longest common prefix in the KV cache, evaluate the rest
    const held: number[] = sequence.contextTokens;
    let cached = 0;
    const limit = Math.min(held.length, request.prompt.length - 1); // evaluate at least one token
    while (cached < limit && held[cached] === request.prompt[cached]) cached++;
    if (cached < held.length) await sequence.eraseContextTokenRanges([{ start: cached, end: held.length }]);
    const toEvaluate = request.prompt.slice(cached);
    const generated: number[] = [];
    let firstTokenAt: number | undefined;
    for await (const token of sequence.evaluate(toEvaluate, { temperature: 0, yieldEogToken: true })) {
      firstTokenAt ??= performance.now();
      generated.push(token);
      if (generated.length >= request.maxTokens) break;
    }
    const ended = performance.now();
    return {
      promptTokens: request.prompt.length,
      cachedTokens: cached,
      generatedTokens: generated.length,
      generatedText: model.detokenize(generated),
      latencyMs: ended - started,
      promptMs: firstTokenAt !== undefined ? firstTokenAt - started : undefined,
      predictedMs: firstTokenAt !== undefined ? ended - firstTokenAt : undefined,
    };
  } finally {
    if (ownsSequence) sequence.dispose();
  }
}

process.on("message", (request: Request) => {
  handle(request).then(
    (result) => send({ id: request.id, result }),
    (error: Error) => send({ id: request.id, error: error?.message ?? String(error) }),
  );
});
process.on("disconnect", () => process.exit(0));
