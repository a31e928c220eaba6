/**
 * The calibration benchmarks' anchor: node-llama-cpp's plain prompt processing of the same token
 * sequences on the same GGUF — the forward pass with nothing observed, i.e. the physical floor of a
 * calibration forward on this machine. Run under bench/probe.ts so it is measured like our CLI:
 *   node dist/bench/probe.js --prompt-anchor <model.gguf> <sequences.json> [threads]
 * sequences.json: a JSON array of token-id arrays. Prints {tokens, seconds} on stdout (evaluation only,
 * the load excluded, so tokens/s compares with the calibration's forward phase).
 */
import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";

export async function runPromptAnchor(args: string[]): Promise<void> {
  const [modelPath, sequencesPath, threadsArg] = args;
  const sequences = JSON.parse(await readFile(sequencesPath, "utf8")) as number[][];
  const threads = Number(threadsArg ?? availableParallelism());
  const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
  const llama = await getLlama({ gpu: false, build: "never", maxThreads: threads, logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath });
  const longest = Math.max(...sequences.map((s) => s.length));
  const context = await model.createContext({ contextSize: Math.max(longest, 256), batchSize: Math.max(longest, 256), threads, sequences: 1 });
  const sequence = context.getSequence();
  let tokens = 0;
  const t0 = performance.now();
  for (const ids of sequences) {
    await sequence.clearHistory();
    await sequence.evaluateWithoutGeneratingNewTokens(ids as never[]);
    tokens += ids.length;
  }
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(`${JSON.stringify({ tokens, seconds, tokensPerSecond: tokens / seconds, threads })}\n`);
  await context.dispose();
  await model.dispose();
}
