/**
 * The size llama.cpp gives the host buffer that holds the weights kept in host memory (the token
 * embeddings, and the experts of `--n-cpu-moe` layers), as it prints it ("CPU_Mapped model buffer
 * size" / "CUDA_Host model buffer size"):
 *
 * - mmap (the default, `--load-mode auto` on a dedicated GPU): the CPU buffer is made from the mapped
 *   file (src/llama-model.cpp, load_tensors: `ggml_backend_dev_buffer_from_host_ptr` over
 *   `get_mapping_range`), one per file, spanning from the first byte of its first tensor to the last
 *   byte of its last one. Tensors of other buffers that lie in between are inside the span too.
 * - no mmap (`--no-mmap`, `--load-mode none`): an allocated buffer
 *   (`ggml_backend_alloc_ctx_tensors_from_buft`), every tensor's size (ggml_nbytes: a host buffer type
 *   adds no padding) rounded up to the buffer's alignment, 32 bytes (TENSOR_ALIGNMENT) for CPU, CPU_REPACK
 *   and CUDA_Host.
 */
export const HOST_BUFFER_ALIGNMENT = 32;

export function hostModelBufferBytes(params: { tensors: ReadonlyArray<{ offset: number; bytes: number }>; mmap: boolean }): number {
  if (params.tensors.length === 0) return 0;
  if (params.mmap) {
    let first = Number.POSITIVE_INFINITY;
    let last = 0;
    for (const t of params.tensors) {
      first = Math.min(first, t.offset);
      last = Math.max(last, t.offset + t.bytes);
    }
    return last - first;
  }
  return params.tensors.reduce((sum, t) => sum + Math.ceil(t.bytes / HOST_BUFFER_ALIGNMENT) * HOST_BUFFER_ALIGNMENT, 0);
}
