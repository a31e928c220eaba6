/** Tokens per calibration sequence unless asked otherwise: AutoAWQ's and REAP's 512, for awq and prune alike. */
export const CALIB_SEQLEN_DEFAULT = 512;
