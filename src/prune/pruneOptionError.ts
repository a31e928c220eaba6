/**
 * Errors about a pruning option name the option the way the user wrote it: `--heads-keep` on the
 * command line (a usage error, exit 2), or the pipeline file and key (`stages[2].with.heads_keep`).
 */
import { InvalidInputError, UsageError } from "../errors.js";

export type PruneOption = "target_params" | "experts_keep" | "heads_keep" | "kv_groups_keep";

/** Where the options came from: a pipeline file and the key of the stage's `with`, or (absent) the command line. */
export interface PruneOptionSource {
  file: string;
  key: string;
}

export function pruneOptionError(params: { option: PruneOption; problem: string; source?: PruneOptionSource }): Error {
  const { option, problem, source } = params;
  if (source) return new InvalidInputError(source.file, problem, source.key ? `${source.key}.${option}` : option);
  return new UsageError(`--${option.replaceAll("_", "-")}: ${problem}`);
}
