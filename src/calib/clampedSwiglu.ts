import { bf16 } from "./roundToBf16.js";

/** gpt-oss's SwiGLU slope (GptOssExperts.alpha; not in config.json). */
export const GPT_OSS_SWIGLU_ALPHA = 1.702;

const f = Math.fround;

/**
 * GptOssExperts' activation over gate_up rows [rows, 2·ffn] (interleaved: column 2j is gate j, 2j + 1 is
 * up j) → [rows, ffn]: gate clamped above at `limit`, up clamped to ±limit,
 * out = (up + 1) · gate · sigmoid(alpha · gate).
 *
 * `precision: "bf16"` rounds after every torch op as a bfloat16 tensor would (gate·alpha, sigmoid,
 * gate·sigmoid, up + 1, the product), each op computed in float32 first, as torch does for bf16.
 */
export function clampedSwiglu(params: {
  gateUp: Float32Array;
  rows: number;
  ffn: number;
  limit: number;
  precision?: "f32" | "bf16";
}): Float32Array {
  const { gateUp, rows, ffn, limit } = params;
  const out = new Float32Array(rows * ffn);
  const alpha = f(GPT_OSS_SWIGLU_ALPHA);
  const asBf16 = params.precision === "bf16";
  for (let r = 0; r < rows; r++) {
    const src = r * 2 * ffn;
    const dst = r * ffn;
    for (let j = 0; j < ffn; j++) {
      const gate = Math.min(gateUp[src + 2 * j], limit);
      const up = Math.min(Math.max(gateUp[src + 2 * j + 1], -limit), limit);
      if (asBf16) {
        // torch's sigmoid kernel for bf16: 1 / (1 + exp(−x)) in float32, each op rounded, then bf16
        const sigmoid = bf16(1 / f(1 + f(Math.exp(-bf16(gate * alpha)))));
        out[dst + j] = bf16(bf16(up + 1) * bf16(gate * sigmoid));
      } else {
        const sigmoid = f(1 / (1 + Math.exp(-f(gate * alpha))));
        out[dst + j] = f(up + 1) * f(gate * sigmoid);
      }
    }
  }
  return out;
}
