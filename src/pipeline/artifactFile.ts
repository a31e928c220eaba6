/**
 * The two artifact types that both the stage contract (types.ts) and the manifest (manifest.ts)
 * are built from; kept in a leaf module so neither of those imports the other's module back.
 */

/** What an artifact is, so the engine can wire a stage's input to the nearest earlier producer. */
export type ArtifactKind = "checkpoint" | "gguf" | "eval" | "vram" | "publish" | "report";

/** One file of an artifact, with the digest that downstream cache keys are built from. */
export interface ArtifactFile {
  /** Path relative to the artifact root (for a single-file artifact: its base name). */
  path: string;
  size: number;
  sha256: string;
}
