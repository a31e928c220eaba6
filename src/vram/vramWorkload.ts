/**
 * The workload phases of a VRAM measurement, after the article this project started from (gpt-oss-20b
 * served on two 24 GB cards, memory read phase by phase): a single question, a long-text summary, a
 * 5-turn chat that keeps its KV cache, 10 back-to-back 512-token prompts, then 1, 4 and 8 concurrent
 * sequences. Token counts are exact: prompts are token ids, and generation ignores end-of-generation
 * tokens, so every runtime does the same work whatever the weights (the synthetic checkpoint's random
 * ones included).
 */
export type WorkloadPhase =
  | { name: string; label: string; kind: "single"; promptTokens: number; generateTokens: number }
  | { name: string; label: string; kind: "chat"; turns: number; promptTokensPerTurn: number; generateTokensPerTurn: number }
  | { name: string; label: string; kind: "sequential"; count: number; promptTokens: number; generateTokens: number }
  | { name: string; label: string; kind: "concurrent"; sequences: number; promptTokens: number; generateTokens: number };

export function vramWorkloadPhases(params: { parallel: number }): WorkloadPhase[] {
  const phases: WorkloadPhase[] = [
    { name: "single-qa", label: "single Q&A (42 / 64 tokens)", kind: "single", promptTokens: 42, generateTokens: 64 },
    { name: "long-summary", label: "long-text summary (320 / 128)", kind: "single", promptTokens: 320, generateTokens: 128 },
    // 5 × 178 = 890 prompt tokens and 5 × 42 = 210 generated tokens over the conversation
    { name: "chat-5-turns", label: "5-turn chat, KV kept (890 / 210)", kind: "chat", turns: 5, promptTokensPerTurn: 178, generateTokensPerTurn: 42 },
    { name: "prompts-10x512", label: "10 back-to-back 512-token prompts", kind: "sequential", count: 10, promptTokens: 512, generateTokens: 32 },
  ];
  for (const n of [1, 4, 8]) {
    if (n > params.parallel) break;
    phases.push({ name: `concurrent-${n}`, label: `${n} concurrent sequence${n > 1 ? "s" : ""} (128 / 128 each)`, kind: "concurrent", sequences: n, promptTokens: 128, generateTokens: 128 });
  }
  return phases;
}

/** Prompt tokens the whole workload needs, so one tokenized text can supply distinct prompts for all of it. */
export function workloadPromptTokens(phases: readonly WorkloadPhase[]): number {
  let n = 0;
  for (const p of phases) {
    if (p.kind === "single") n += p.promptTokens;
    else if (p.kind === "chat") n += p.turns * p.promptTokensPerTurn;
    else if (p.kind === "sequential") n += p.count * p.promptTokens;
    else n += p.sequences * p.promptTokens;
  }
  return n;
}

const WORDS = (
  "the model reads a long report about memory on graphics cards and writes a short summary of each section " +
  "while a user asks follow up questions about layers experts attention windows caches batches and tokens " +
  "every answer names the numbers it used and explains why the second card holds fewer layers than the first"
).split(" ");

/**
 * Deterministic English-like text of about `words` words (a linear congruential walk over a small
 * vocabulary): enough distinct material that no two prompts share a prefix the runtime could reuse.
 */
export function workloadText(words: number): string {
  let state = 12345;
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out.push(WORDS[(state >>> 8) % WORDS.length]);
    if (i % 17 === 16) out.push(".");
  }
  return out.join(" ");
}

/** Token ids when the runtime cannot tokenize: a deterministic walk over ordinary (non-special) ids. */
export function fallbackTokens(count: number, seed: number): number[] {
  let state = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out.push(1000 + (state % 20000));
  }
  return out;
}
