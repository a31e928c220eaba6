import { InvalidInputError } from "../errors.js";
import { f16ToF32, f32ToF16 } from "../formats/float/floatConversions.js";
import { AWQ_MAX_LEVEL, AWQ_MIN_RANGE } from "./awqGroupGrids.js";

/**
 * The weight error of one AWQ scale candidate: ΔW = Q(W·diag(s))·diag(1/s) − W, into `out` [rows, cols].
 * One row at a time in two passes over it — the scaled row and each group's range, then each group's
 * grid (awqGroupGrids' rule: fp16 step, zero point) and the quantized, un-scaled error — with no
 * allocation per row. Why fused: the scale searches run this 20 times per linear group, and at
 * gpt-oss-20b's sizes it was half of a layer's search (profiled: 17.5 ns per weight when it was built
 * from awqGroupGrids and fakeQuantizeAwqGroups over blocks of rows). Same float32 roundings as scaling,
 * fake-quantizing and un-scaling the whole weight in three passes: the losses are identical (tested).
 */
export function awqCandidateDelta(params: { weight: Float32Array; rows: number; cols: number; groupSize: number; scale: Float32Array; out: Float32Array }): void {
  const { weight, rows, cols, groupSize, scale, out } = params;
  const groups = cols / groupSize;
  const scaled = new Float32Array(cols);
  const lows = new Float32Array(groups);
  const steps = new Float32Array(groups);
  const stepBits = new Uint16Array(groups);
  const stepValues = new Float32Array(groups);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let g = 0; g < groups; g++) {
      // the group's range, widened to include 0 (awqGroupRanges)
      let l = 0;
      let h = 0;
      for (let c = g * groupSize, end = c + groupSize; c < end; c++) {
        const v = Math.fround(weight[o + c] * scale[c]);
        scaled[c] = v;
        l = Math.min(l, v);
        h = Math.max(h, v);
      }
      lows[g] = l;
      steps[g] = Math.max(h - l, AWQ_MIN_RANGE) / AWQ_MAX_LEVEL;
    }
    // the steps as the files store them: fp16
    f16ToF32(f32ToF16(steps, stepBits), stepValues);
    for (let g = 0; g < groups; g++) {
      const s = stepValues[g];
      if (!(s > 0) || !Number.isFinite(s)) {
        throw new InvalidInputError("awq", `group ${g} of row ${r} has no finite fp16 step (range ${steps[g] * AWQ_MAX_LEVEL}): weights out of fp16 range or not finite`);
      }
      // zero point: roundHalfToEven of the float32 quotient, inlined as below
      const zx = Math.fround(-lows[g] / s);
      let zr = Math.floor(zx + 0.5);
      if (zr - zx === 0.5 && (zr & 1) !== 0) zr--;
      // biome-ignore lint/complexity/useMathMinMax: a ternary clamp, as fakeQuantizeAwqGroups does it
      const z = zr < 0 ? 0 : zr > AWQ_MAX_LEVEL ? AWQ_MAX_LEVEL : zr;
      for (let c = g * groupSize, end = c + groupSize; c < end; c++) {
        // fakeQuantizeAwqGroups' rounding: ties to even of the float32 quotient; |x| < 2³¹ so `& 1` is the parity
        const x = Math.fround(scaled[c] / s);
        let level = Math.floor(x + 0.5);
        if (level - x === 0.5 && (level & 1) !== 0) level--;
        level += z;
        // biome-ignore lint/complexity/useMathMinMax: a ternary clamp in the hot loop; keeps -0 as is
        level = level < 0 ? 0 : level > AWQ_MAX_LEVEL ? AWQ_MAX_LEVEL : level;
        out[o + c] = Math.fround((level - z) * s) / scale[c] - weight[o + c];
      }
    }
  }
}
