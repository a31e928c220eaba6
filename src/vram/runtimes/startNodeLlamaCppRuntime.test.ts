/**
 * The node-llama-cpp runtime's child process on the CPU (this machine has no GPU): load, context,
 * tokenize, a completion of exactly N tokens, and a session that keeps its KV cache between turns.
 * The worker runs from dist/ (`npm test` builds first).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../../test/cli.js";
import { tinyFixtureDir } from "../../../test/shared.js";
import { startNodeLlamaCppRuntime } from "./startNodeLlamaCppRuntime.js";

let home: string;
let gguf: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "oss-prep-nlc-runtime-"));
  gguf = join(home, "tiny-Q8_0.gguf");
  const r = await runCli(["quantize", tinyFixtureDir(), "--type", "Q8_0", "-o", gguf, "--json"]);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("startNodeLlamaCppRuntime (CPU)", () => {
  it("loads, creates the context, completes exactly N tokens and keeps a session's KV cache", async () => {
    const runtime = await startNodeLlamaCppRuntime({ modelPath: gguf, ctx: 512, parallel: 2, threads: 2, gpu: false });
    try {
      expect(runtime.version).toMatch(/^node-llama-cpp 3\.\d+\.\d+ \(llama\.cpp .*, cpu\)$/);
      const loaded = await runtime.loadModel();
      expect(loaded.endedAt).toBeGreaterThanOrEqual(loaded.startedAt);
      await runtime.createContext();
      const tokens = (await runtime.tokenize("the model reads a long report about memory"))!;
      expect(tokens.length).toBeGreaterThan(3);
      const first = await runtime.complete({ prompt: tokens, maxTokens: 3, session: "chat" });
      expect(first).toMatchObject({ promptTokens: tokens.length, cachedTokens: 0, generatedTokens: 3 });
      // the next turn sends the conversation so far: the session's sequence already holds the prompt
      const second = await runtime.complete({ prompt: [...tokens, ...tokens], maxTokens: 2, session: "chat" });
      expect(second.cachedTokens).toBeGreaterThanOrEqual(tokens.length);
      expect(second.generatedTokens).toBe(2);
      const single = await runtime.complete({ prompt: tokens.slice(0, 3), maxTokens: 1 });
      expect(single).toMatchObject({ cachedTokens: 0, generatedTokens: 1 });
      // llama.cpp's own accounting comes through the logger (delivered asynchronously: read it last)
      expect(runtime.bufferLines().some((b) => b.kind === "KV" && b.device === "CPU")).toBe(true);
    } finally {
      await runtime.stop();
    }
  });
});
