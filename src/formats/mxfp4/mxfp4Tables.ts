/**
 * Constants of the MXFP4 format (OCP Microscaling spec v1.0): 32 FP4 E2M1 values sharing one E8M0 scale.
 *
 * Two layouts of the same 32 nibbles exist:
 * - Hugging Face / transformers (`*_blocks`, 16 bytes per block): byte j holds element 2j in its low
 *   nibble and element 2j+1 in its high nibble.
 * - ggml `block_mxfp4` (17 bytes: the e8m0 byte, then 16 bytes `qs`): byte j holds element j in its low
 *   nibble and element j+16 in its high nibble.
 */

/** Weights per MXFP4 block. */
export const MXFP4_BLOCK_SIZE = 32;
/** Bytes of packed nibbles per block (both layouts). */
export const MXFP4_NIBBLE_BYTES = 16;
/** Bytes per ggml block_mxfp4: e8m0 scale + 16 nibble bytes. */
export const GGML_MXFP4_BLOCK_BYTES = 17;

/** E2M1 code → value, as transformers' FP4_VALUES (codes 8..15 are the negatives, 8 is -0). */
export const FP4_E2M1_VALUES: Float32Array = new Float32Array([
  +0.0, +0.5, +1.0, +1.5, +2.0, +3.0, +4.0, +6.0,
  -0.0, -0.5, -1.0, -1.5, -2.0, -3.0, -4.0, -6.0,
]);

/**
 * ggml's kvalues_mxfp4: twice the E2M1 values as integers (so code 8 is +0, not -0); ggml multiplies
 * them by half the scale (GGML_E8M0_TO_FP32_HALF).
 */
export const GGML_KVALUES_MXFP4: Int8Array = new Int8Array([0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12]);

/** E8M0 byte e → 2^(e−127) as f32: e=0 is the denormal 2^−127, e=255 (NaN in the spec) becomes +Inf. */
export const E8M0_TO_FP32: Float32Array = (() => {
  const table = new Float32Array(256);
  for (let e = 0; e < 256; e++) table[e] = 2 ** (e - 127);
  return table;
})();

/**
 * ggml_e8m0_to_fp32_half: e → 2^(e−128), exactly as ggml computes it (e=255 gives 2^127, finite;
 * ggml does not treat it as NaN either).
 */
export const E8M0_TO_FP32_HALF: Float32Array = (() => {
  const table = new Float32Array(256);
  for (let e = 0; e < 256; e++) table[e] = 2 ** (e - 128);
  return table;
})();
