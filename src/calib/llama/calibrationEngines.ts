/**
 * The calibration forward passes AWQ and pruning can take their activations from: llama.cpp's
 * (runLlamaGptOss, the default) or the TypeScript float32 model (runGptOss). Never switched silently:
 * ts runs only when asked for.
 */
export const CALIBRATION_ENGINES = ["llama", "ts"] as const;
export type CalibrationEngine = (typeof CALIBRATION_ENGINES)[number];
