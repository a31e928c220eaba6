/**
 * Options that awq and prune share, declared once so both commands and both pipeline stages spell,
 * range and default them alike (`--calib`, `--calib-seqlen`, `--backend`, `--engine`, `--gguf`).
 * Each stage's params spread these in (src/stages/awq/params.ts, src/stages/prune/params.ts).
 */
import { MATMUL_BACKEND_CHOICES } from "../calib/createMatmulBackend.js";
import { CALIB_SEQLEN_DEFAULT } from "../calib/data/calibrationDefaults.js";
import { CALIBRATION_ENGINES } from "../calib/llama/calibrationEngines.js";
import type { EnumOption, IntegerOption, StringOption } from "../pipeline/paramSchema.js";

/** Tokens per calibration sequence; the old spellings stay as hidden aliases. */
export const calibSeqlenOption = {
  kind: "integer",
  min: 16,
  max: 131_072,
  default: CALIB_SEQLEN_DEFAULT,
  arg: "n",
  aliases: ["--seqlen", "--calib-length"],
  help: "tokens per calibration sequence",
} as const satisfies IntegerOption;

export const matmulBackendOption = {
  kind: "enum",
  choices: MATMUL_BACKEND_CHOICES,
  default: "auto",
  arg: "name",
  help: "matrix products on the CPU: onnxruntime-node (ort), plain TypeScript, or auto (ort when it loads)",
} as const satisfies EnumOption;

export const calibrationEngineOption = {
  kind: "enum",
  choices: CALIBRATION_ENGINES,
  default: "llama",
  arg: "name",
  help: "calibration forward pass: llama (llama.cpp on a GGUF of the checkpoint: statistics first, then the searches) or ts (the TypeScript float32 model, the transformers-exact oracle)",
} as const satisfies EnumOption;

export const calibrationGgufOption = {
  kind: "string",
  arg: "file",
  help: "GGUF of the same checkpoint for --engine llama (default: converted to a temporary bf16 file beside the output)",
} as const satisfies StringOption;
