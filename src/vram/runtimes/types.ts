import type { LlamaBufferLine } from "../types.js";

export interface CompletionRequest {
  /** Token ids of the whole prompt (a chat turn sends the conversation so far). */
  prompt: number[];
  /** Exactly this many tokens are generated (end-of-generation tokens are ignored). */
  maxTokens: number;
  /** Requests of one session continue the same sequence, so its KV cache is kept between turns. */
  session?: string;
}

export interface CompletionResult {
  promptTokens: number;
  /** Prompt tokens the runtime took from its cache (not recomputed). */
  cachedTokens: number;
  generatedTokens: number;
  generatedText: string;
  latencyMs: number;
  /** The runtime's own timings, where it reports them. */
  promptMs?: number;
  predictedMs?: number;
}

/** A GPU inference runtime the VRAM measurement drives: node-llama-cpp in a child process, or an HTTP server. */
export interface VramRuntime {
  readonly kind: "node-llama-cpp" | "server";
  readonly name: string;
  /** Filled once the runtime has started. */
  version: string;
  readonly command?: string;
  /** Whether the runtime waits between loading the weights and creating the context (a server does not). */
  readonly pausesAfterLoad: boolean;
  /** Load the weights; resolves when they are on the GPU (or, for a server, when context creation begins). */
  loadModel(): Promise<{ startedAt: number; endedAt: number }>;
  /** Create the context (KV cache, compute buffers); resolves when the runtime is ready to serve. */
  createContext(): Promise<{ startedAt: number; endedAt: number }>;
  tokenize(text: string): Promise<number[] | undefined>;
  complete(request: CompletionRequest): Promise<CompletionResult>;
  /** llama.cpp's buffer lines seen so far in the runtime's log. */
  bufferLines(): LlamaBufferLine[];
  /** The runtime's log so far (kept for the report's warnings and for debugging). */
  logTail(): string[];
  stop(): Promise<void>;
}
