/**
 * ggml tensor types as stored in GGUF tensor infos: the numeric ids of `enum ggml_type` in
 * llama.cpp's ggml/include/ggml.h, their block layout (ggml.c `type_traits`, gguf-py
 * `GGML_QUANT_SIZES`) and the names llama.cpp prints (`ggml_type_name`).
 *
 * Ids 4, 5, 31–33 and 36–38 were removed from ggml (Q4_2, Q4_3, the Q4_0_x_y and IQ4_NL_x_y
 * repacked layouts); gguf.cpp refuses them in files, so they are not members here.
 */
export enum GgmlType {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  MXFP4 = 39,
  NVFP4 = 40,
  Q1_0 = 41,
  Q2_0 = 42,
}

/** Elements per super-block of the k-quants and i-quants (ggml-common.h QK_K). */
const QK_K = 256;

interface GgmlTypeTraits {
  /** ggml_type_name(): lower case, k-quants keep a capital K ("q4_K"). */
  readonly name: string;
  /** Elements per block (ggml_blck_size). */
  readonly blockSize: number;
  /** Bytes per block (ggml_type_size). */
  readonly typeSize: number;
}

// Sizes are written as the sum of the block struct's fields (as gguf-py's GGML_QUANT_SIZES does)
// so each line can be checked against ggml-common.h; ggmlTypes.test.ts also compares the whole
// table with gguf-py when llama.cpp is checked out beside us.
const TRAITS: Readonly<Record<GgmlType, GgmlTypeTraits>> = {
  [GgmlType.F32]: { name: "f32", blockSize: 1, typeSize: 4 },
  [GgmlType.F16]: { name: "f16", blockSize: 1, typeSize: 2 },
  [GgmlType.Q4_0]: { name: "q4_0", blockSize: 32, typeSize: 2 + 16 },
  [GgmlType.Q4_1]: { name: "q4_1", blockSize: 32, typeSize: 2 + 2 + 16 },
  [GgmlType.Q5_0]: { name: "q5_0", blockSize: 32, typeSize: 2 + 4 + 16 },
  [GgmlType.Q5_1]: { name: "q5_1", blockSize: 32, typeSize: 2 + 2 + 4 + 16 },
  [GgmlType.Q8_0]: { name: "q8_0", blockSize: 32, typeSize: 2 + 32 },
  [GgmlType.Q8_1]: { name: "q8_1", blockSize: 32, typeSize: 4 + 4 + 32 },
  [GgmlType.Q2_K]: { name: "q2_K", blockSize: QK_K, typeSize: 2 + 2 + QK_K / 16 + QK_K / 4 },
  [GgmlType.Q3_K]: { name: "q3_K", blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 8 + 12 },
  [GgmlType.Q4_K]: { name: "q4_K", blockSize: QK_K, typeSize: 2 + 2 + QK_K / 2 + 12 },
  [GgmlType.Q5_K]: { name: "q5_K", blockSize: QK_K, typeSize: 2 + 2 + QK_K / 2 + QK_K / 8 + 12 },
  [GgmlType.Q6_K]: { name: "q6_K", blockSize: QK_K, typeSize: 2 + QK_K / 2 + QK_K / 4 + QK_K / 16 },
  [GgmlType.Q8_K]: { name: "q8_K", blockSize: QK_K, typeSize: 4 + QK_K + QK_K / 8 },
  [GgmlType.IQ2_XXS]: { name: "iq2_xxs", blockSize: QK_K, typeSize: 2 + QK_K / 4 },
  [GgmlType.IQ2_XS]: { name: "iq2_xs", blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 32 },
  [GgmlType.IQ3_XXS]: { name: "iq3_xxs", blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 8 },
  [GgmlType.IQ1_S]: { name: "iq1_s", blockSize: QK_K, typeSize: 2 + QK_K / 8 + QK_K / 16 },
  [GgmlType.IQ4_NL]: { name: "iq4_nl", blockSize: 32, typeSize: 2 + 16 },
  [GgmlType.IQ3_S]: { name: "iq3_s", blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 8 + QK_K / 32 + 4 },
  [GgmlType.IQ2_S]: { name: "iq2_s", blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 16 },
  [GgmlType.IQ4_XS]: { name: "iq4_xs", blockSize: QK_K, typeSize: 2 + 2 + QK_K / 2 + QK_K / 64 },
  [GgmlType.I8]: { name: "i8", blockSize: 1, typeSize: 1 },
  [GgmlType.I16]: { name: "i16", blockSize: 1, typeSize: 2 },
  [GgmlType.I32]: { name: "i32", blockSize: 1, typeSize: 4 },
  [GgmlType.I64]: { name: "i64", blockSize: 1, typeSize: 8 },
  [GgmlType.F64]: { name: "f64", blockSize: 1, typeSize: 8 },
  [GgmlType.IQ1_M]: { name: "iq1_m", blockSize: QK_K, typeSize: QK_K / 8 + QK_K / 16 + QK_K / 32 },
  [GgmlType.BF16]: { name: "bf16", blockSize: 1, typeSize: 2 },
  [GgmlType.TQ1_0]: { name: "tq1_0", blockSize: QK_K, typeSize: 2 + 4 * 13 },
  [GgmlType.TQ2_0]: { name: "tq2_0", blockSize: QK_K, typeSize: 2 + 64 },
  // one E8M0 scale byte + 32 packed e2m1 nibbles
  [GgmlType.MXFP4]: { name: "mxfp4", blockSize: 32, typeSize: 1 + 16 },
  [GgmlType.NVFP4]: { name: "nvfp4", blockSize: 64, typeSize: 4 + 32 },
  [GgmlType.Q1_0]: { name: "q1_0", blockSize: 128, typeSize: 2 + 16 },
  [GgmlType.Q2_0]: { name: "q2_0", blockSize: 64, typeSize: 2 + 16 },
};

/** Every GgmlType, in id order. */
export const ALL_GGML_TYPES: readonly GgmlType[] = Object.keys(TRAITS)
  .map(Number)
  .sort((a, b) => a - b) as GgmlType[];

/** True when `id` is a ggml type id a GGUF file may use (removed ids are not). */
export function isGgmlType(id: number): id is GgmlType {
  return Object.hasOwn(TRAITS, id);
}

function traitsOf(type: GgmlType): GgmlTypeTraits {
  const traits = isGgmlType(type) ? TRAITS[type] : undefined;
  if (traits === undefined) throw new RangeError(`unknown ggml type id ${String(type)}`);
  return traits;
}

/** Elements per block (ggml_blck_size): 1 for plain types, 32 for Q8_0/MXFP4, 256 for k-quants. */
export function ggmlBlockSize(type: GgmlType): number {
  return traitsOf(type).blockSize;
}

/** Bytes per block (ggml_type_size). */
export function ggmlTypeSize(type: GgmlType): number {
  return traitsOf(type).typeSize;
}

/** The name llama.cpp prints for the type (ggml_type_name), e.g. "q4_K", "mxfp4", "bf16". */
export function ggmlTypeName(type: GgmlType): string {
  return traitsOf(type).name;
}

/**
 * The type with that name, case-insensitively ("q8_0", "Q8_0", "Q4_K"), or undefined.
 * Accepts both ggml_type_name spellings and the enum member names.
 */
export function ggmlTypeFromName(name: string): GgmlType | undefined {
  const wanted = name.toLowerCase();
  return ALL_GGML_TYPES.find((t) => TRAITS[t].name.toLowerCase() === wanted);
}

/**
 * Bytes of one row of `nPerRow` elements (ggml_row_size). Quantized types store whole blocks only,
 * so a row length that is not a multiple of the block size cannot be represented: that throws.
 */
export function ggmlRowBytes(type: GgmlType, nPerRow: number): number {
  const { blockSize, typeSize, name } = traitsOf(type);
  if (!Number.isSafeInteger(nPerRow) || nPerRow < 0) {
    throw new RangeError(`row length ${nPerRow} is not a non-negative integer`);
  }
  if (nPerRow % blockSize !== 0) {
    throw new RangeError(`row length ${nPerRow} is not a multiple of the ${name} block size ${blockSize}`);
  }
  return (nPerRow / blockSize) * typeSize;
}

/**
 * Bytes of a whole contiguous tensor (ggml_nbytes) with `shape` in ggml order (ne0 = the row
 * length first). Throws when ne0 is not a multiple of the block size or the size is not a safe integer.
 */
export function ggmlTensorBytes(type: GgmlType, shape: readonly number[]): number {
  if (shape.length === 0) return ggmlRowBytes(type, 1);
  let bytes = ggmlRowBytes(type, shape[0]);
  for (let i = 1; i < shape.length; i++) {
    const ne = shape[i];
    if (!Number.isSafeInteger(ne) || ne < 0) throw new RangeError(`dimension ${i} (${ne}) is not a non-negative integer`);
    bytes *= ne;
  }
  if (!Number.isSafeInteger(bytes)) throw new RangeError(`tensor of shape [${shape.join(", ")}] is too large`);
  return bytes;
}
