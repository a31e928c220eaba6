/** Public API of the synthetic-checkpoint stage. */
export { synthesizeCheckpoint, SYNTHETIC_CHECKPOINT_VERSION } from "./synthesizeCheckpoint.js";
export { planSyntheticCheckpoint } from "./planSyntheticCheckpoint.js";
export { buildSyntheticTokenizer, type SyntheticTokenizer } from "./buildSyntheticTokenizer.js";
export { buildSyntheticConfig } from "./buildSyntheticConfig.js";
export { syntheticPreset, syntheticPresetNames, syntheticPresets, type SyntheticPreset, type SyntheticPresetName } from "./presets.js";
export type {
  PlannedShard,
  PlannedTensor,
  SynthesisProgress,
  SynthesizedCheckpoint,
  SyntheticCheckpointPlan,
  SyntheticTensorValues,
} from "./types.js";
