import { describe, expect, it } from "vitest";
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16, requantizeBf16 } from "./floatConversions.js";

describe("float conversions", () => {
  it("bf16 ↔ f32 round-trips every finite bf16 and quiets NaNs like gguf-py", () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const back = f32ToBf16(bf16ToF32(all));
    for (let i = 0; i < 65536; i++) {
      const isNan = (i & 0x7fff) > 0x7f80;
      expect(back[i]).toBe(isNan ? i | 0x40 : i);
    }
    expect(requantizeBf16(all)).toEqual(back);
  });

  it("f32 → bf16 rounds to nearest even", () => {
    const x = new Float32Array(3);
    const u = new Uint32Array(x.buffer);
    u[0] = 0x3f808000; // exactly half way, even below → stays 0x3f80
    u[1] = 0x3f818000; // half way, odd below → rounds up to 0x3f82
    u[2] = 0x3f808001; // above half → up
    expect([...f32ToBf16(x)]).toEqual([0x3f80, 0x3f82, 0x3f81]);
  });

  it("f16 ↔ f32 round-trips every f16 and f32 → f16 rounds like numpy", () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const back = f32ToF16(f16ToF32(all));
    for (let i = 0; i < 65536; i++) {
      const isNan = (i & 0x7c00) === 0x7c00 && (i & 0x3ff) !== 0;
      if (!isNan) expect(back[i]).toBe(i);
    }
    // 65520 rounds to inf; 65519 to 65504; 2^-25 (half of the smallest subnormal) ties to even → 0
    expect([...f32ToF16(new Float32Array([65520, 65519, 2 ** -25, 3 * 2 ** -25, 1 + 2 ** -11]))]).toEqual([0x7c00, 0x7bff, 0, 2, 0x3c00]);
  });
});
