/**
 * How closely the engine follows transformers' float rounding, op by op.
 *
 * - `"fast"`: the calibration default. Float32 everywhere (bf16 experts per `expertPrecision`),
 *   intermediates kept in float64 where that is free (a softmax, a RoPE rotation, a norm's sum of
 *   squares) and each expert's weighted output added to the residual as soon as it is computed, so
 *   one expert at a time is in flight and nothing per token-slot is held.
 * - `"transformers"`: the computation of transformers 5.x' GptOssForCausalLM loaded as float32 with
 *   the MXFP4 experts dequantized (`Mxfp4Config(dequantize=True)`: expert weights stay bfloat16, every
 *   other tensor float32) and its default `grouped_mm` experts — what produced the fixture's reference
 *   logits on CUDA — rounded where torch rounds:
 *   - RMSNorm: float32 squares, mean = float32 sum · float32(1/width), rsqrt of (mean + float32(eps)),
 *     then two float32 products (x·r, weight·(x·r));
 *   - linears: the float32 product, then the bias added in float32;
 *   - RoPE: `x1·cos − x2·sin` and `x2·cos + x1·sin` as three float32 ops each;
 *   - attention: scores·float32(headDim^−½); softmax over [scores, sink] with float32 exp, the row sum
 *     in the order of torch's CUDA warp softmax (per lane of 32, then a butterfly), float32 division;
 *   - router: softmax over the top-k logits in float32 (exp, sum, division), as above;
 *   - experts (grouped_mm): input cast to bf16; each product rounded to bf16 (float32 accumulation),
 *     the bias added in place (bf16); the clamped SwiGLU in bf16 op by op; the down product and its bias
 *     likewise; times the routing weight in float32; the k weighted outputs of a token summed in
 *     float32 in slot order (`view(tokens, k, hidden).sum(dim=1)`), and only that sum added to the
 *     residual.
 *   What it cannot reproduce is the GPU's own arithmetic: cuBLAS' accumulation order (split-K),
 *   CUDA's reduction order for the norm's mean, and the hardware approximations behind `expf` and
 *   `rsqrtf`. Those leave last-bit float32 differences, which the bf16 casts of the expert path turn
 *   into occasional whole-bf16-ulp flips (docs/quality.md, "TS forward pass vs transformers
 *   reference"). It holds k·tokens·hidden more floats than "fast".
 */
export type GptOssNumerics = "fast" | "transformers";
