/**
 * prune's calibration budget unless asked otherwise: 16,384 tokens, past the 8,192 where REAP's picks
 * settle on the fixture (docs/quality.md, "Calibration budget").
 */
export const PRUNE_CALIB_TOKENS_DEFAULT = 16_384;
