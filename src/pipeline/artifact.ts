/** What stages produce and consume (see types.ts): artifacts and their files' digests. */

/** What an artifact is, so the engine can wire a stage's input to the nearest earlier producer. */
export type ArtifactKind = "checkpoint" | "gguf" | "eval" | "vram" | "publish" | "report";

/** One file of an artifact, with the digest that downstream cache keys are built from. */
export interface ArtifactFile {
  /** Path relative to the artifact root (for a single-file artifact: its base name). */
  path: string;
  size: number;
  sha256: string;
}

/** A finished stage output: a directory or a single file, plus digests of its files. */
export interface Artifact {
  kind: ArtifactKind;
  /** Absolute path of the artifact root: a directory (checkpoint, report) or a file (gguf). */
  path: string;
  files: ArtifactFile[];
  /** sha256 over the sorted (path, sha256) list: the identity used in downstream cache keys. */
  digest: string;
}
