/**
 * llama.cpp's token types (gguf.TokenType). gguf-py writes the `tokenizer.ggml.token_type` array with
 * item type INT32, because GGUFValueType.get_type() maps a Python int (the IntEnum) to INT32.
 */
export const TokenType = {
  NORMAL: 1,
  UNKNOWN: 2,
  CONTROL: 3,
  USER_DEFINED: 4,
  UNUSED: 5,
  BYTE: 6,
} as const;
export type TokenType = (typeof TokenType)[keyof typeof TokenType];
