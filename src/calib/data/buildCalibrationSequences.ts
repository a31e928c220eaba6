import { InvalidInputError } from "../../errors.js";

/**
 * N calibration sequences of L tokens: the documents are tokenized in order, concatenated (a blank
 * line between documents) and cut into consecutive, non-overlapping windows, as AutoAWQ cuts its
 * samples into blocks. Tokenizing stops once N × L tokens are there; fewer is an error naming the
 * source, the count found and what was asked, never a silent shorter calibration.
 */
export function buildCalibrationSequences(params: {
  documents: readonly string[];
  tokenize: (text: string) => number[];
  samples: number;
  seqlen: number;
  /** The calibration file (or the built-in set's name), named in errors. */
  source: string;
}): number[][] {
  const { documents, tokenize, samples, seqlen, source } = params;
  const needed = samples * seqlen;
  const tokens: number[] = [];
  const separator = tokenize("\n\n");
  for (let d = 0; d < documents.length && tokens.length < needed; d++) {
    if (d > 0) tokens.push(...separator);
    for (const id of tokenize(documents[d])) tokens.push(id);
  }
  if (tokens.length < needed) {
    throw new InvalidInputError(
      source,
      `too short for calibration: ${tokens.length} tokens, ${samples} samples × ${seqlen} tokens need ${needed} (give a longer file, fewer --calib-samples or a shorter --calib-seqlen)`,
    );
  }
  return Array.from({ length: samples }, (_, s) => tokens.slice(s * seqlen, (s + 1) * seqlen));
}
