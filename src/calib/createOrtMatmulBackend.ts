import { EnvironmentError } from "../errors.js";
import { machineThreads } from "../util/threads.js";
import { encodeOnnxGemmModel } from "./encodeOnnxGemmModel.js";
import { checkMatmulBiasParams, type MatmulBackend } from "./matmulBackend.js";

export type OrtExecutionProvider = "cpu" | "cuda";

export interface CreateOrtMatmulBackendParams {
  /**
   * Execution providers in order of preference, as onnxruntime-node takes them. Default `["cpu"]`.
   * `["cuda", "cpu"]` needs onnxruntime-node's CUDA binaries, which only its install script downloads;
   * package.json's `allowScripts` denies that script (npm ≥ 11.16 honours it), so they are absent by default.
   */
  executionProviders?: OrtExecutionProvider[];
  /** CPU threads for one product; default the machine's (OSS_PREP_THREADS overrides). */
  intraOpNumThreads?: number;
}

type OrtModule = typeof import("onnxruntime-node");
type OrtSession = import("onnxruntime-node").InferenceSession;

/**
 * `x · Wᵀ + b` through onnxruntime-node: one `Gemm` session with bias and one without, both with
 * symbolic shapes and the weight as an input (see encodeOnnxGemmModel), so nothing is compiled per
 * weight or per shape. onnxruntime-node is imported here, lazily: code paths that never ask for this
 * backend load no native code.
 */
export async function createOrtMatmulBackend(params: CreateOrtMatmulBackendParams = {}): Promise<MatmulBackend> {
  const providers = params.executionProviders ?? ["cpu"];
  let ort: OrtModule;
  try {
    ort = (await import("onnxruntime-node")).default as unknown as OrtModule;
  } catch (error) {
    throw new EnvironmentError(`onnxruntime-node is not installed or does not load here: ${(error as Error).message}`, { cause: error });
  }
  const options = {
    executionProviders: providers,
    intraOpNumThreads: params.intraOpNumThreads ?? machineThreads(),
    interOpNumThreads: 1,
    graphOptimizationLevel: "all" as const,
  };
  let withBias: OrtSession;
  let withoutBias: OrtSession;
  try {
    withBias = await ort.InferenceSession.create(encodeOnnxGemmModel({ withBias: true }), options);
    withoutBias = await ort.InferenceSession.create(encodeOnnxGemmModel({ withBias: false }), options);
  } catch (error) {
    throw new EnvironmentError(
      `onnxruntime-node could not create a session with providers ${providers.join(", ")}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  let disposed = false;
  return {
    name: `ort-${providers[0]}`,
    async matmulBias(p) {
      checkMatmulBiasParams(p);
      if (disposed) throw new Error("matmulBias: backend was disposed");
      const { n, k, m } = p;
      if (n === 0 || m === 0) return new Float32Array(n * m);
      // Tensors view the caller's arrays (no copy); exact lengths because ORT checks size against dims.
      const feeds: Record<string, import("onnxruntime-node").Tensor> = {
        X: new ort.Tensor("float32", exactView(p.x, n * k), [n, k]),
        W: new ort.Tensor("float32", exactView(p.weight, m * k), [m, k]),
      };
      if (p.bias) feeds.B = new ort.Tensor("float32", exactView(p.bias, m), [m]);
      const session = p.bias ? withBias : withoutBias;
      const out = await session.run(feeds);
      const y = out.Y;
      const data = y.data as Float32Array;
      y.dispose?.();
      return data;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await withBias.release();
      await withoutBias.release();
    },
  };
}

function exactView(a: Float32Array, length: number): Float32Array {
  return a.length === length ? a : a.subarray(0, length);
}
