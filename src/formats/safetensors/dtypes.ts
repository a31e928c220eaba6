/**
 * Element types a safetensors header may name, with their storage width.
 *
 * Widths are in bits because the format has sub-byte types (F4, F6_*) stored packed: a tensor of those
 * is valid only when its element count times the width is a whole number of bytes (as in the reference
 * implementation). The names are exactly those of huggingface/safetensors' `Dtype` enum; gpt-oss itself
 * uses BF16 and U8 (MXFP4 blocks and e8m0 scales are stored as plain U8).
 */
export const SAFETENSORS_DTYPE_BITS = {
  BOOL: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
} as const satisfies Record<string, number>;

export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPE_BITS;

/** Whether `name` is a dtype this module understands (an own key of the table, so "toString" is not). */
export function isSafetensorsDtype(name: string): name is SafetensorsDtype {
  return Object.hasOwn(SAFETENSORS_DTYPE_BITS, name);
}

/** Storage width of one element in bits. */
export function dtypeBits(dtype: SafetensorsDtype): number {
  return SAFETENSORS_DTYPE_BITS[dtype];
}

/**
 * Storage width of one element in bytes, for the byte-aligned dtypes. Throws for packed sub-byte dtypes
 * (F4, F6_*), whose per-element size is not a whole number of bytes: use `tensorByteLength` for those.
 */
export function dtypeByteSize(dtype: SafetensorsDtype): number {
  const bits = SAFETENSORS_DTYPE_BITS[dtype];
  if (bits % 8 !== 0) throw new RangeError(`dtype ${dtype} is ${bits} bits per element, not a whole number of bytes`);
  return bits / 8;
}

/**
 * Number of bytes a tensor of this dtype and shape occupies, or `undefined` when that is not a whole number
 * of bytes (packed sub-byte dtypes) or not a safe integer. Computed in BigInt so that absurd shapes from a
 * corrupt header cannot overflow into a plausible-looking number.
 */
export function tensorByteLength(params: { dtype: SafetensorsDtype; shape: readonly number[] }): number | undefined {
  let bits = BigInt(SAFETENSORS_DTYPE_BITS[params.dtype]);
  for (const dim of params.shape) bits *= BigInt(dim);
  if (bits % 8n !== 0n) return undefined;
  const bytes = bits / 8n;
  return bytes <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(bytes) : undefined;
}
