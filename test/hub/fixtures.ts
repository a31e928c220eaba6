/** Repositories for the local Hub: the layout of openai/gpt-oss-20b with small deterministic files. */
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RepoFixture } from "./hubServer.js";
import { resolveHubEnvironment, type HubEnvironment } from "../../src/hub/resolveHubEnvironment.js";

/** Deterministic bytes (a sha256 counter stream), so sizes are exact and contents differ per name. */
export function pseudoRandomBytes(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let offset = 0, block = 0; offset < size; block++) {
    const digest = createHash("sha256").update(`${seed}:${block}`).digest();
    offset += digest.copy(out, offset);
  }
  return out;
}

export const MIB = 1 << 20;

/** HF-format files plus the original/ and metal/ folders the allowlist must never touch. */
export function gptOssLikeRepo(name = "openai/gpt-oss-20b", extra: Partial<RepoFixture> = {}): RepoFixture {
  const index = {
    metadata: { total_size: 3 * MIB + 2 * MIB + 123 },
    weight_map: { "model.embed_tokens.weight": "model-00000-of-00002.safetensors", "lm_head.weight": "model-00001-of-00002.safetensors" },
  };
  return {
    name,
    files: {
      ".gitattributes": "*.safetensors filter=lfs diff=lfs merge=lfs -text\n",
      "README.md": "---\nlicense: apache-2.0\n---\n# gpt-oss-20b\n",
      "LICENSE": "Apache License 2.0\n",
      "config.json": JSON.stringify({ architectures: ["GptOssForCausalLM"], hidden_size: 2880 }),
      "generation_config.json": JSON.stringify({ do_sample: true }),
      "chat_template.jinja": "{{ messages }}",
      "special_tokens_map.json": "{}",
      "tokenizer_config.json": JSON.stringify({ model_max_length: 131072 }),
      "tokenizer.json": pseudoRandomBytes("tokenizer", 200_000).toString("base64"),
      "model.safetensors.index.json": JSON.stringify(index),
      "model-00000-of-00002.safetensors": pseudoRandomBytes("shard0", 3 * MIB),
      "model-00001-of-00002.safetensors": pseudoRandomBytes("shard1", 2 * MIB + 123),
      "original/config.json": "{}",
      "original/model.safetensors": pseudoRandomBytes("original", MIB),
      "metal/model.bin": pseudoRandomBytes("metal", MIB),
    },
    ...extra,
  };
}

export async function temporaryDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Hub settings pointing at the local server, with a private cache. */
export function hubEnvironment(params: { url: string; cacheDir: string; token?: string; offline?: boolean }): HubEnvironment {
  return resolveHubEnvironment({
    hubUrl: params.url,
    token: params.token,
    env: { HF_HUB_CACHE: params.cacheDir, HF_HOME: join(params.cacheDir, "..", "hf-home-unused"), ...(params.offline ? { HF_HUB_OFFLINE: "1" } : {}) },
  });
}

/** Fast retries for tests (the fetch layer's defaults wait seconds). */
export const FAST_RETRY = { retries: 3, baseDelayMs: 10 };
