/** Fixed numbers of the GGUF container (ggml/include/gguf.h). */

/** The first four bytes of every GGUF file: "GGUF" (0x46554747 read as little-endian u32). */
export const GGUF_MAGIC = Buffer.from("GGUF", "latin1");

/** The version we write. Versions 2 and 3 share one layout (v3 only added big-endian files), so we read both. */
export const GGUF_VERSION = 3;

/** Alignment of the data section and of each tensor when `general.alignment` is absent. */
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** The key that overrides the alignment; it must be a UINT32 power of two (gguf.cpp). */
export const GGUF_ALIGNMENT_KEY = "general.alignment";

/** Dimensions a tensor may have (GGML_MAX_DIMS). */
export const GGML_MAX_DIMS = 4;

/**
 * llama.cpp keeps tensor names in a char[GGML_MAX_NAME] with the terminating NUL, so a name of
 * 64 UTF-8 bytes or more makes gguf.cpp refuse the file; the writer refuses such names up front.
 */
export const GGML_MAX_NAME = 64;
