import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { EnvironmentError, UsageError } from "../../errors.js";
import { createRuntimeLog } from "./createRuntimeLog.js";
import type { CompletionRequest, CompletionResult, VramRuntime } from "./types.js";


/** `{model}`, `{port}`, `{ctx}`, `{parallel}`, `{threads}` in a `--server` command, shell-quoted. */
export function substituteServerCommand(template: string, values: Record<string, string | number>): string {
  if (!template.includes("{model}")) throw new UsageError(`--server: the command must contain {model} (and {port}): ${template}`);
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? shellQuote(String(values[key])) : whole));
}

function shellQuote(value: string): string {
  return /^[\w./:=@%+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export async function freeTcpPort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Any OpenAI-compatible server started from a command line (llama.cpp's llama-server, vLLM): spawned in
 * its own process group, ready when GET /health answers 200, driven through POST /v1/completions with
 * token-id prompts, `max_tokens` and `ignore_eos` (both servers accept them) so every phase generates
 * exactly the tokens it asks for. llama-server's log gives the boundary between loading the weights
 * and creating the context ("llama_context: constructing") and its buffer sizes.
 */
export async function startServerRuntime(params: {
  commandTemplate: string;
  modelPath: string;
  ctx: number;
  parallel: number;
  threads: number;
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
  /** Token ids llama-server must never generate (sent as logit_bias; see partialUtf8TokenIds.ts). */
  bannedTokens?: number[];
  onLog?: (line: string) => void;
}): Promise<VramRuntime> {
  const logitBias = params.bannedTokens?.length ? params.bannedTokens.map((id) => [id, false]) : undefined;
  const port = await freeTcpPort();
  const command = substituteServerCommand(params.commandTemplate, {
    model: params.modelPath,
    port,
    ctx: params.ctx,
    parallel: params.parallel,
    threads: params.threads,
  });
  const base = `http://127.0.0.1:${port}`;
  const readyTimeoutMs = params.readyTimeoutMs ?? 600_000;
  const log = createRuntimeLog({ onLog: params.onLog });
  const { tail, buffers } = log;
  let child: ChildProcess | undefined;
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let exitPromise: Promise<void> = Promise.resolve();
  let contextStartedAt: number | undefined;
  let servedModel = "default";
  const contextListeners: Array<() => void> = [];

  const onLine = (line: string) => {
    log.add(line);
    if (contextStartedAt === undefined && /llama_context: constructing|llama_init_from_model:|llama_context: n_ctx/.test(line)) {
      contextStartedAt = Date.now();
      for (const l of contextListeners.splice(0)) l();
    }
  };

  const failure = (what: string) =>
    new EnvironmentError(`${what}: ${command}${tail.length ? `\n${tail.slice(-15).join("\n")}` : ""}`);

  // biome-ignore lint/suspicious/noExplicitAny: llama-server JSON, read field by field by the callers
  async function getJson(path: string): Promise<any | undefined> {
    try {
      const response = await fetch(base + path);
      if (!response.ok) return undefined;
      return await response.json();
    } catch {
      return undefined;
    }
  }

  async function waitReady(): Promise<void> {
    const deadline = Date.now() + readyTimeoutMs;
    while (Date.now() < deadline) {
      if (exited) throw failure(`the server exited (code ${exited.code ?? exited.signal}) before it was ready`);
      try {
        const response = await fetch(`${base}/health`);
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw failure(`the server was not ready after ${readyTimeoutMs / 1000} s`);
  }

  let readyPromise: Promise<void> | undefined;
  const runtime: VramRuntime = {
    kind: "server",
    name: "server",
    version: "unknown",
    command,
    pausesAfterLoad: false,
    async loadModel() {
      const startedAt = Date.now();
      child = spawn("/bin/sh", ["-c", `exec ${command}`], { stdio: ["ignore", "pipe", "pipe"], detached: true, env: params.env ?? process.env });
      exitPromise = new Promise((resolve) => {
        child!.once("exit", (code, signal) => {
          exited = { code, signal };
          for (const l of contextListeners.splice(0)) l();
          resolve();
        });
        child!.once("error", (error) => {
          exited = { code: null, signal: null };
          onLine(`spawn error: ${error.message}`);
          resolve();
        });
      });
      createInterface({ input: child.stdout! }).on("line", onLine);
      createInterface({ input: child.stderr! }).on("line", onLine);
      readyPromise = waitReady();
      readyPromise.catch(() => undefined);
      // a server that prints no llama.cpp log (vLLM) loads and creates its context in one go: end at ready
      await Promise.race([new Promise<void>((resolve) => contextListeners.push(resolve)), readyPromise]);
      if (exited) throw failure(`the server exited (code ${exited.code ?? exited.signal}) while loading`);
      return { startedAt, endedAt: contextStartedAt ?? Date.now() };
    },
    async createContext() {
      const startedAt = contextStartedAt ?? Date.now();
      await readyPromise;
      const models = await getJson("/v1/models");
      if (models?.data?.[0]?.id) servedModel = String(models.data[0].id);
      const props = await getJson("/props");
      const version = await getJson("/version");
      runtime.version = props?.build_info ? `llama.cpp ${props.build_info}` : version?.version ? `vLLM ${version.version}` : "unknown";
      if (props?.build_info) (runtime as { name: string }).name = "llama-server";
      else if (version?.version) (runtime as { name: string }).name = "vllm";
      return { startedAt, endedAt: Date.now() };
    },
    async tokenize(text) {
      try {
        const response = await fetch(`${base}/tokenize`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ content: text, prompt: text, model: servedModel, add_special: false, add_special_tokens: false }),
        });
        if (!response.ok) return undefined;
        const body = (await response.json()) as { tokens?: unknown[] };
        const tokens = body.tokens?.map((t) => (typeof t === "number" ? t : (t as { id: number }).id));
        return tokens?.every((t) => Number.isInteger(t)) ? tokens : undefined;
      } catch {
        return undefined;
      }
    },
    async complete(request: CompletionRequest): Promise<CompletionResult> {
      const started = performance.now();
      // llama-server's own /completion: its OpenAI endpoint runs the chat-format parser over the output,
      // which rejects what random weights generate; /completion returns the raw text
      const native = runtime.name === "llama-server";
      const response = await fetch(`${base}${native ? "/completion" : "/v1/completions"}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(
          native
            ? { prompt: request.prompt, n_predict: request.maxTokens, temperature: 0, ignore_eos: true, cache_prompt: true, stream: false, ...(logitBias ? { logit_bias: logitBias } : {}) }
            : { model: servedModel, prompt: request.prompt, max_tokens: request.maxTokens, temperature: 0, ignore_eos: true, stream: false },
        ),
      });
      const text = await response.text();
      if (!response.ok) throw failure(`POST ${native ? "/completion" : "/v1/completions"} answered ${response.status}: ${text.slice(0, 300)}`);
      const body = JSON.parse(text) as {
        content?: string;
        tokens_predicted?: number;
        tokens_evaluated?: number;
        choices?: Array<{ text?: string }>;
        usage?: { prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: { cached_tokens?: number } };
        timings?: { cache_n?: number; prompt_n?: number; prompt_ms?: number; predicted_n?: number; predicted_ms?: number };
      };
      const latencyMs = performance.now() - started;
      const cached = body.timings?.cache_n ?? body.usage?.prompt_tokens_details?.cached_tokens ?? 0;
      return {
        promptTokens: body.usage?.prompt_tokens ?? body.tokens_evaluated ?? request.prompt.length,
        cachedTokens: cached,
        generatedTokens: body.usage?.completion_tokens ?? body.tokens_predicted ?? body.timings?.predicted_n ?? 0,
        generatedText: body.choices?.[0]?.text ?? body.content ?? "",
        latencyMs,
        promptMs: body.timings?.prompt_ms,
        predictedMs: body.timings?.predicted_ms,
      };
    },
    bufferLines: () => [...buffers],
    logTail: () => [...tail],
    async stop() {
      if (child && !exited && child.pid) {
        try {
          process.kill(-child.pid, "SIGTERM");
        } catch {
          // already gone
        }
        const killTimer = setTimeout(() => {
          try {
            process.kill(-child!.pid!, "SIGKILL");
          } catch {
            // already gone
          }
        }, 10_000);
        await exitPromise;
        clearTimeout(killTimer);
      }
    },
  };
  return runtime;
}
