/**
 * The stage contract. A stage declares typed inputs and outputs and a params parser; the engine
 * resolves inputs from earlier stages, computes the cache key, runs the stage into a partial
 * directory and publishes it atomically.
 */
import type { ArtifactFile, ArtifactKind } from "./artifactFile.js";
import type { ManifestStage } from "./manifest.js";
import type { ModelSpec } from "./modelSpec.js";

export type { ArtifactFile, ArtifactKind };

/** A finished stage output: a directory or a single file, plus digests of its files. */
export interface Artifact {
  kind: ArtifactKind;
  /** Absolute path of the artifact root: a directory (checkpoint, report) or a file (gguf). */
  path: string;
  files: ArtifactFile[];
  /** sha256 over the sorted (path, sha256) list: the identity used in downstream cache keys. */
  digest: string;
}

export interface ProgressUpdate {
  done: number;
  total?: number;
  unit?: "bytes" | "tensors" | "questions" | "files" | "layers" | "steps";
  /** What is being worked on, e.g. a tensor name. */
  detail?: string;
}

export interface StageContext<P> {
  stageId: string;
  params: P;
  inputs: Record<string, Artifact>;
  model: ModelSpec;
  /** Empty directory the stage writes its outputs into; renamed into the cache when the stage returns. */
  outDir: string;
  /** oss-prep's work directory (caches shared between builds, e.g. synthesized models). */
  workDir: string;
  threads: number;
  signal: AbortSignal;
  progress(update: ProgressUpdate): void;
  log(message: string): void;
  warn(message: string): void;
  /**
   * The build so far: the variant and the records of the stages before this one (cached or run),
   * for stages that report on the whole build (publish writes them into the model card).
   */
  build?: { variant: string; description?: string; stages: ManifestStage[] };
}

export interface StageOutput {
  kind: ArtifactKind;
  /** Relative to outDir, or absolute for artifacts that live elsewhere (the Hugging Face cache). */
  path: string;
  /** Digests the stage already computed while writing (saves a second pass over large files). */
  files?: ArtifactFile[];
  /**
   * `files` is the whole artifact: other files under `path` are not part of it. For a directory
   * shared with other tools (a Hugging Face cache snapshot may hold files another allowlist fetched).
   */
  filesAreComplete?: boolean;
}

export interface StageResult {
  outputs: Record<string, StageOutput>;
  /** Free-form facts for the manifest and the summary (sizes, types chosen, accuracy…). */
  summary?: Record<string, unknown>;
  warnings?: string[];
}

export interface StageDefinition<P = Record<string, unknown>> {
  name: string;
  /** Bumped whenever the stage's output for the same inputs and params changes: invalidates caches. */
  version: number;
  description: string;
  inputs: Array<{ name: string; kind: ArtifactKind; optional?: boolean }>;
  outputs: Array<{ name: string; kind: ArtifactKind; exported?: boolean }>;
  /**
   * Stages whose work is idempotent and cheap to verify (the model source) run every time;
   * their output digest decides whether later stages are cached.
   */
  alwaysRun?: boolean;
  /** Validate and normalise params from a pipeline file; throw InvalidInputError(file, problem, key). */
  parseParams(raw: Record<string, unknown>, where: { file: string; key: string }): P;
  /** Loaded lazily so that `--help` and pipeline validation never load heavy modules. */
  load(): Promise<(ctx: StageContext<P>) => Promise<StageResult>>;
}
