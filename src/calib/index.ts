/**
 * The calibration engine (issue 9): gpt-oss's forward pass in TypeScript, layer by layer over
 * calibration sequences, with hooks for AWQ and expert pruning. See runGptOss.
 */
export { runGptOss, type RunGptOssParams, type RunGptOssResult, type CalibProgress } from "./runGptOss.js";
export type { GptOssNumerics } from "./gptOssNumerics.js";
export type { GptOssHooks, AttentionEvent, RoutingEvent, ExpertEvent, LayerEvent } from "./gptOssHooks.js";
export { collectLayerActivations, type LayerActivations } from "./collectLayerActivations.js";
export type { GptOssWeightProvider, GptOssLayerWeights, GptOssAttentionWeights, GptOssExpertWeights } from "./gptOssWeights.js";
export { openGptOssWeights } from "./openGptOssWeights.js";
export type { MatmulBackend, MatmulBiasParams } from "./matmulBackend.js";
export { createPlainMatmulBackend, plainMatmulBias } from "./createPlainMatmulBackend.js";
export { createOrtMatmulBackend, type CreateOrtMatmulBackendParams, type OrtExecutionProvider } from "./createOrtMatmulBackend.js";
export { meanKlDivergence } from "./meanKlDivergence.js";
