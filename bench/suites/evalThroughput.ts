/**
 * CMMLU scoring throughput against node-llama-cpp's plain prompt processing, same model, same
 * machine, same process, interleaved runs: the fixture's BF16 GGUF, 0-shot and 5-shot prompts.
 * "Plain" evaluates each prompt's tokens from an empty sequence with no output, the cheapest way
 * node-llama-cpp can consume them; "eval" is the full scoring (prompt + choices, distributions read,
 * header and shots reused between questions of a subject). Run: `npm run bench:eval`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { convertCheckpoint } from "../../src/convert/convertCheckpoint.js";
import { evaluateCmmlu, planCmmluQuestions } from "../../src/eval/cmmlu/evaluateCmmlu.js";
import { parseRowFilter } from "../../src/eval/cmmlu/parseRowFilter.js";
import { readCmmluDir } from "../../src/eval/cmmlu/readCmmluDir.js";
import { selectCmmluQuestions } from "../../src/eval/cmmlu/selectCmmluQuestions.js";
import { loadEvalModel } from "../../src/eval/loadEvalModel.js";
import { sharedDir } from "../../src/util/paths.js";
import { machineThreads } from "../../src/util/threads.js";
import { table, writeBenchSection } from "../report.js";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function plainPromptProcessing(params: { path: string; prompts: number[][]; threads: number }): Promise<number> {
  const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
  const llama = await getLlama({ gpu: false, build: "never", maxThreads: params.threads, logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath: params.path, gpuLayers: 0 });
  const longest = Math.max(...params.prompts.map((p) => p.length));
  const context = await model.createContext({ contextSize: longest, threads: params.threads, sequences: 1 });
  const sequence = context.getSequence();
  const t0 = performance.now();
  for (const prompt of params.prompts) {
    await sequence.clearHistory();
    await sequence.evaluateWithoutGeneratingNewTokens(prompt as never[]);
  }
  const seconds = (performance.now() - t0) / 1000;
  await context.dispose();
  await model.dispose();
  return seconds;
}

export async function benchEvalThroughput(runs = 3): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "oss-prep-bench-eval-"));
  const threads = machineThreads();
  const rows: Array<Array<string | number>> = [];
  const load: number[] = [];
  try {
    const path = join(dir, "tiny-bf16.gguf");
    await convertCheckpoint({ dir: join(sharedDir(), "fixtures", "tiny-gpt-oss"), outPath: path, outtype: "bf16" });
    const dataset = await readCmmluDir({ dir: join(sharedDir(), "cmmlu") });
    const model = await loadEvalModel({ path, threads });
    try {
      // 0-shot: 2 questions of every subject; 5-shot: the reference's 5 questions of the first 10 subjects
      // (consecutive questions of a subject share the header and shots, which eval keeps in the KV cache)
      for (const { shots, perSubject, subjects } of [
        { shots: 0, perSubject: 2, subjects: undefined },
        { shots: 5, perSubject: 5, subjects: [...dataset.subjects.keys()].slice(0, 10) },
      ]) {
        const { questions } = await selectCmmluQuestions({ dataset, spec: { subjects, rows: parseRowFilter({ text: "i%5!=0" }), perSubject } });
        const planned = await planCmmluQuestions({ model, dataset, questions, shots, method: "continuation" });
        const prompts = planned.map((q) => model.tokenize(q.prompt));
        const promptTokens = prompts.reduce((a, p) => a + p.length, 0);
        const plain: number[] = [];
        const evalSeconds: number[] = [];
        const evaluated: number[] = [];
        const parallelSeconds: number[] = [];
        for (let i = 0; i < runs; i++) {
          load.push(loadavg()[0]);
          plain.push(await plainPromptProcessing({ path, prompts, threads }));
          const run = await evaluateCmmlu({ model, dataset, questions, shots, method: "continuation" });
          evalSeconds.push(run.throughput.seconds);
          evaluated.push(run.throughput.evaluatedTokens);
          const batched = await evaluateCmmlu({ model, dataset, questions, shots, method: "continuation", parallel: 4 });
          parallelSeconds.push(batched.throughput.seconds);
        }
        const plainRate = promptTokens / median(plain);
        const evalRate = promptTokens / median(evalSeconds);
        rows.push([
          `${shots}-shot, ${questions.length} questions`,
          promptTokens,
          `${plainRate.toFixed(0)} tok/s`,
          `${evalRate.toFixed(0)} tok/s (${(questions.length / median(evalSeconds)).toFixed(1)} questions/s)`,
          `${((evalRate / plainRate) * 100).toFixed(0)}%`,
          `${(promptTokens / median(parallelSeconds)).toFixed(0)} tok/s`,
          `${median(evaluated)} (${((median(evaluated) / promptTokens) * 100).toFixed(0)}%)`,
        ]);
      }
    } finally {
      await model.dispose();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await writeBenchSection(
    "eval-throughput",
    `## CMMLU evaluation throughput (\`oss-prep eval\`) vs plain prompt processing

The fixture's BF16 GGUF on CPU (${threads} thread${threads === 1 ? "" : "s"}, node-llama-cpp), median of ${runs} interleaved runs; 1-minute load
average while measuring ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)} on ${availableParallelism()} cores (the machine was shared: compare the
columns, which ran side by side, rather than the absolute rates).
*plain*: node-llama-cpp evaluating each prompt's tokens from an empty sequence, no outputs. *eval*: the
complete scoring of the same questions (prompt and choices, full-vocabulary distribution read where
scored), counted over the same prompt tokens. *runtime tokens*: what eval actually sent to llama.cpp after
reusing the KV prefix (each question re-evaluates at least its last 64 tokens so that ggml's flash attention
takes the same float32 path as a fresh evaluation — see loadEvalModel.ts). *--parallel 4*: four questions
side by side in each decode batch (separate KV slots, no reuse across the slot's neighbours).

${table(["workload", "prompt tokens", "plain", "eval", "eval / plain", "eval --parallel 4", "runtime tokens (eval)"], rows)}
${
  threads < availableParallelism()
    ? `\nOn this shared machine ${threads} thread${threads === 1 ? " was" : "s were"} used (\`OSS_PREP_THREADS\`): with other jobs on every core,
llama.cpp's spinning thread pool at ${availableParallelism()} threads ran 5–10× slower.`
    : ""
}
0-shot prompts are shorter than 64 tokens, so eval re-evaluates them whole and runs at the plain rate (reading
the distributions costs nothing measurable); 5-shot questions reuse the header and the shots. Evaluating
questions side by side (\`--parallel 4\`) is slower on CPU, hence the default of 1.

Reproduce: \`npm run bench:eval\`.`,
  );
}
