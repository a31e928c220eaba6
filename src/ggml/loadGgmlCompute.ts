/**
 * ggml's graph API on a registered backend device, for products the calibration engine wants on the
 * device llama.cpp runs on (createGgmlMatmulBackend): contexts, F32 tensors, mul_mat/add, graphs, and
 * the backend calls that allocate, upload, compute and download. The backends are the ones
 * loadLlamaRuntime registered (CPU variants, and CUDA where its library ships and loads).
 */
import { loadGgmlBase } from "./loadGgmlBase.js";
import { loadLlamaRuntime } from "./loadLlamaRuntime.js";

type NativeFn = (...args: unknown[]) => unknown;

/** enum ggml_backend_dev_type (ggml-backend.h). */
export const GGML_BACKEND_DEVICE_TYPE = { cpu: 0, gpu: 1, igpu: 2, accel: 3 } as const;
/** enum ggml_type: GGML_TYPE_F32. */
export const GGML_TYPE_F32 = 0;

export interface GgmlCompute {
  /** ggml_init({ mem_size, mem_buffer: NULL, no_alloc: true }) */
  init(memSize: number): unknown;
  free: NativeFn;
  tensorOverhead(): number;
  graphOverhead(): number;
  newTensor1d: NativeFn;
  newTensor2d: NativeFn;
  mulMat: NativeFn;
  add: NativeFn;
  transpose: NativeFn;
  cont: NativeFn;
  abs: NativeFn;
  sumRows: NativeFn;
  newGraph: NativeFn;
  buildForwardExpand: NativeFn;
  /** ggml_backend_dev_by_type(type): a device pointer or null. */
  devByType(type: number): unknown;
  devName(dev: unknown): string;
  devInit: NativeFn;
  backendFree: NativeFn;
  allocCtxTensors: NativeFn;
  bufferFree: NativeFn;
  tensorSet: NativeFn;
  tensorGet: NativeFn;
  /** ggml_backend_graph_compute → enum ggml_status (0: success). */
  graphCompute(backend: unknown, graph: unknown): number;
}

let compute: GgmlCompute | undefined;

export function loadGgmlCompute(): GgmlCompute {
  if (compute) return compute;
  const runtime = loadLlamaRuntime();
  const { koffi } = runtime;
  const base = koffi.load(loadGgmlBase().libraryPath);
  const ggml = koffi.load(runtime.ggmlPath);
  // registered by name for the signature below (ggml_init takes the struct by value)
  koffi.struct("oss_prep_ggml_init_params", { mem_size: "size_t", mem_buffer: "void *", no_alloc: "bool" });
  const init = base.func("void *ggml_init(oss_prep_ggml_init_params params)") as NativeFn;
  const devName = ggml.func("const char *ggml_backend_dev_name(void *device)") as (dev: unknown) => string;
  compute = {
    init: (memSize) => init({ mem_size: memSize, mem_buffer: null, no_alloc: true }),
    free: base.func("void ggml_free(void *ctx)"),
    tensorOverhead: () => Number((base.func("size_t ggml_tensor_overhead(void)") as () => number | bigint)()),
    graphOverhead: () => Number((base.func("size_t ggml_graph_overhead(void)") as () => number | bigint)()),
    newTensor1d: base.func("void *ggml_new_tensor_1d(void *ctx, int type, int64_t ne0)"),
    newTensor2d: base.func("void *ggml_new_tensor_2d(void *ctx, int type, int64_t ne0, int64_t ne1)"),
    mulMat: base.func("void *ggml_mul_mat(void *ctx, void *a, void *b)"),
    add: base.func("void *ggml_add(void *ctx, void *a, void *b)"),
    transpose: base.func("void *ggml_transpose(void *ctx, void *a)"),
    cont: base.func("void *ggml_cont(void *ctx, void *a)"),
    abs: base.func("void *ggml_abs(void *ctx, void *a)"),
    sumRows: base.func("void *ggml_sum_rows(void *ctx, void *a)"),
    newGraph: base.func("void *ggml_new_graph(void *ctx)"),
    buildForwardExpand: base.func("void ggml_build_forward_expand(void *graph, void *tensor)"),
    devByType: ggml.func("void *ggml_backend_dev_by_type(int type)") as (type: number) => unknown,
    devName: (dev) => devName(dev),
    devInit: ggml.func("void *ggml_backend_dev_init(void *device, const char *params)"),
    backendFree: base.func("void ggml_backend_free(void *backend)"),
    allocCtxTensors: base.func("void *ggml_backend_alloc_ctx_tensors(void *ctx, void *backend)"),
    bufferFree: base.func("void ggml_backend_buffer_free(void *buffer)"),
    tensorSet: base.func("void ggml_backend_tensor_set(void *tensor, const void *data, size_t offset, size_t size)"),
    tensorGet: base.func("void ggml_backend_tensor_get(void *tensor, void *data, size_t offset, size_t size)"),
    graphCompute: base.func("int ggml_backend_graph_compute(void *backend, void *graph)") as (backend: unknown, graph: unknown) => number,
  };
  return compute;
}
