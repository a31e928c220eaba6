import { createOrtMatmulBackend } from "./createOrtMatmulBackend.js";
import { createPlainMatmulBackend } from "./createPlainMatmulBackend.js";
import type { MatmulBackend } from "./matmulBackend.js";

/**
 * The matrix backends a user can ask for (`--backend`, `backend:` in a pipeline), one list for awq and
 * prune: onnxruntime-node, plain TypeScript, or auto — onnxruntime-node when it loads, plain otherwise.
 */
export const MATMUL_BACKEND_CHOICES = ["auto", "ort", "plain"] as const;
export type MatmulBackendChoice = (typeof MATMUL_BACKEND_CHOICES)[number];

export interface CreateMatmulBackendParams {
  choice: MatmulBackendChoice;
  /** onnxruntime-node's intra-op threads (default: its own). */
  threads?: number;
  /** Told when auto falls back to plain TypeScript, with the reason. */
  log?: (message: string) => void;
}

/** Opens the backend asked for. `ort` fails when onnxruntime-node does not load; only `auto` falls back. */
export async function createMatmulBackend(params: CreateMatmulBackendParams): Promise<MatmulBackend> {
  if (params.choice === "plain") return createPlainMatmulBackend();
  try {
    return await createOrtMatmulBackend({ executionProviders: ["cpu"], intraOpNumThreads: params.threads });
  } catch (error) {
    if (params.choice === "ort") throw error;
    params.log?.(`onnxruntime-node unavailable (${(error as Error).message}): using the plain TypeScript backend`);
    return createPlainMatmulBackend();
  }
}
