/**
 * The build manifest (manifest.json beside the artifacts): where the model came from, what every
 * stage did with which parameters, how long it took and how much memory, every input and output
 * file with its size and sha256, tool versions and warnings. Secrets (tokens) never enter it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../util/paths.js";
import type { ArtifactFile, ArtifactKind } from "./artifact.js";

export interface ManifestArtifact {
  name: string;
  kind: ArtifactKind;
  /** Path relative to the build dir when exported there, else absolute. */
  path: string;
  files: ArtifactFile[];
  digest: string;
}

export interface ManifestStage {
  id: string;
  stage: string;
  version: number;
  cacheKey: string;
  params: Record<string, unknown>;
  /** true when the stage was skipped because its output was in the cache. */
  cached: boolean;
  startedAt: string;
  seconds: number;
  cpuSeconds: number;
  /** Highest resident set size sampled while the stage ran (bytes). */
  peakRssBytes: number;
  inputs: Array<{ slot: string; from: string; digest: string }>;
  outputs: ManifestArtifact[];
  summary?: Record<string, unknown>;
  warnings: string[];
}

export interface BuildManifest {
  schema: 1;
  variant: string;
  pipelineFile: string;
  model: {
    name: string;
    source: Record<string, unknown>;
  };
  createdAt: string;
  stages: ManifestStage[];
  /** Optional stages that could not run on this machine, and why (no GPU, offline, no repository). */
  skipped?: Array<{ id: string; reason: string }>;
  /** `build --fit`: what was asked, what `fit` chose and the llama.cpp command line that realises it. */
  fit?: BuildFitRecord;
  tools: ToolVersions;
  warnings: string[];
}

export interface BuildFitRecord {
  request: { gpus: string; ctx: number; parallel: number; ramMiB?: number; prefer: string };
  /** The chosen variant in words. */
  choice: string;
  quantType: string;
  experts: string;
  nExperts: number;
  kvCacheType: string;
  /** llama.cpp's --n-cpu-moe. */
  cpuMoeLayers: number;
  /** llama-server's command line, the model file named. */
  commandLine: string;
  /** What the planner expects: per GPU and in host memory (MiB). */
  plannedGpuMiB: number[];
  plannedHostMiB: number;
  /** Why this one: the planner's and the quality table's reasons. */
  reason: string;
}

export interface ToolVersions {
  ossPrep: string;
  node: string;
  nodeLlamaCpp: string;
  /** The llama.cpp release bundled in node-llama-cpp (its git tag). */
  llamaCpp: string;
  platform: string;
}

let cachedVersions: ToolVersions | undefined;

/** Read versions from package files only: no native module is loaded for this. */
export function toolVersions(): ToolVersions {
  if (cachedVersions) return cachedVersions;
  const root = packageRoot();
  const own = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
  let nodeLlamaCpp = "unknown";
  let llamaCpp = "unknown";
  try {
    const nlcDir = join(root, "node_modules", "node-llama-cpp");
    nodeLlamaCpp = (JSON.parse(readFileSync(join(nlcDir, "package.json"), "utf8")) as { version: string }).version;
    llamaCpp = (JSON.parse(readFileSync(join(nlcDir, "llama", "llama.cpp.info.json"), "utf8")) as { tag: string }).tag;
  } catch {
    // reported as unknown: a manifest must not fail because a dependency moved
  }
  cachedVersions = {
    ossPrep: own.version,
    node: process.version,
    nodeLlamaCpp,
    llamaCpp,
    platform: `${process.platform}-${process.arch}`,
  };
  return cachedVersions;
}
