/**
 * `x · Wᵀ + b` as a one-node ggml graph on a device of llama.cpp's own backends — the GPU when the
 * calibration forward runs on one (CUDA), so the activation Grams the AWQ statistics accumulate are
 * computed where the model runs instead of on the host's cores (measured on an H200 host: 128 × 512
 * tokens of Gram products took 6 min through onnxruntime on 16 cores; the forward itself 12 s).
 * Undefined when no device of that type is registered here: the caller keeps its backend.
 *
 * Each product allocates its tensors on the device, uploads, computes, downloads and frees: calls are
 * synchronous (the GPU is fast next to the copies, and nothing else runs on the thread meanwhile).
 */
import { GGML_BACKEND_DEVICE_TYPE, GGML_TYPE_F32, loadGgmlCompute } from "../ggml/loadGgmlCompute.js";
import { EnvironmentError } from "../errors.js";
import { checkMatmulBiasParams, type MatmulBackend } from "./matmulBackend.js";

export function createGgmlMatmulBackend(params: { device: keyof typeof GGML_BACKEND_DEVICE_TYPE }): MatmulBackend | undefined {
  const g = loadGgmlCompute();
  const dev = g.devByType(GGML_BACKEND_DEVICE_TYPE[params.device]);
  if (!dev) return undefined;
  const deviceName = g.devName(dev);
  const backend = g.devInit(dev, null);
  if (!backend) throw new EnvironmentError(`ggml device ${deviceName}: its backend did not initialise`);
  const metaBytes = 8 * g.tensorOverhead() + g.graphOverhead();
  let disposed = false;
  return {
    name: `ggml-${deviceName.toLowerCase()}`,
    async matmulBias(p) {
      checkMatmulBiasParams(p);
      if (disposed) throw new Error("matmulBias: backend was disposed");
      const { x, n, k, weight, m, bias } = p;
      const out = new Float32Array(n * m);
      if (n === 0 || m === 0) return out;
      const ctx = g.init(metaBytes);
      if (!ctx) throw new EnvironmentError("ggml_init failed (out of memory?)");
      let buffer: unknown = null;
      try {
        // ggml_mul_mat(a [k, m], b [k, n]) = [m, n] in ggml order (ne0 first): row-major [n, m] = x·Wᵀ
        const a = g.newTensor2d(ctx, GGML_TYPE_F32, k, m);
        const b = g.newTensor2d(ctx, GGML_TYPE_F32, k, n);
        let y = g.mulMat(ctx, a, b);
        const c = bias ? g.newTensor1d(ctx, GGML_TYPE_F32, m) : null;
        if (c) y = g.add(ctx, y, c);
        const graph = g.newGraph(ctx);
        g.buildForwardExpand(graph, y);
        buffer = g.allocCtxTensors(ctx, backend);
        if (!buffer) throw new EnvironmentError(`ggml device ${deviceName}: could not allocate ${((4 * (k * (m + n) + n * m)) / 2 ** 20).toFixed(0)} MiB for a product`);
        g.tensorSet(a, weight, 0, 4 * k * m);
        g.tensorSet(b, x, 0, 4 * k * n);
        if (c && bias) g.tensorSet(c, bias, 0, 4 * m);
        const status = g.graphCompute(backend, graph);
        if (status !== 0) throw new EnvironmentError(`ggml device ${deviceName}: graph compute failed (status ${status})`);
        g.tensorGet(y, out, 0, 4 * n * m);
        return out;
      } finally {
        if (buffer) g.bufferFree(buffer);
        g.free(ctx);
      }
    },
    async inputStatistics({ x, n, cols }) {
      if (disposed) throw new Error("inputStatistics: backend was disposed");
      if (x.length < n * cols) throw new RangeError(`inputStatistics: x has ${x.length} values, [${n}, ${cols}] needs ${n * cols}`);
      const gram = new Float32Array(cols * cols);
      const sumAbs = new Float32Array(cols);
      const sum = new Float32Array(cols);
      if (n === 0) return { gram, sumAbs, sum };
      const ctx = g.init(metaBytes * 2);
      if (!ctx) throw new EnvironmentError("ggml_init failed (out of memory?)");
      let buffer: unknown = null;
      try {
        // X row-major [n, cols] is ggml's [cols, n]; its transpose [n, cols] made contiguous puts the
        // tokens on ne0, which mul_mat contracts: mul_mat(Xᵀ, Xᵀ) = XᵀX, sum_rows(|Xᵀ|) = Σ|x| per column
        const input = g.newTensor2d(ctx, GGML_TYPE_F32, cols, n);
        const t = g.cont(ctx, g.transpose(ctx, input));
        const gramT = g.mulMat(ctx, t, t);
        const sumAbsT = g.sumRows(ctx, g.abs(ctx, t));
        const sumT = g.sumRows(ctx, t);
        const graph = g.newGraph(ctx);
        for (const out of [gramT, sumAbsT, sumT]) g.buildForwardExpand(graph, out);
        buffer = g.allocCtxTensors(ctx, backend);
        if (!buffer) throw new EnvironmentError(`ggml device ${deviceName}: could not allocate ${((4 * (2 * n * cols + cols * cols)) / 2 ** 20).toFixed(0)} MiB for input statistics`);
        g.tensorSet(input, x, 0, 4 * n * cols);
        const status = g.graphCompute(backend, graph);
        if (status !== 0) throw new EnvironmentError(`ggml device ${deviceName}: graph compute failed (status ${status})`);
        g.tensorGet(gramT, gram, 0, 4 * cols * cols);
        g.tensorGet(sumAbsT, sumAbs, 0, 4 * cols);
        g.tensorGet(sumT, sum, 0, 4 * cols);
        return { gram, sumAbs, sum };
      } finally {
        if (buffer) g.bufferFree(buffer);
        g.free(ctx);
      }
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      g.backendFree(backend);
    },
  };
}
