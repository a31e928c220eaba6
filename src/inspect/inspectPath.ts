/**
 * `oss-prep inspect`: what a checkpoint directory, a GGUF file or a build directory contains, or — for
 * the name of a model of models/ that declares config: — what that model is made of, without weights.
 * Reads headers only (never tensor data), so it is instant even on the 13 GB checkpoint.
 */
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { InvalidInputError } from "../errors.js";
import type { BuildManifest } from "../pipeline/manifest.js";

export interface InspectTensor {
  name: string;
  /** safetensors dtype or ggml type name. */
  type: string;
  /** safetensors order (outermost first) for checkpoints; ggml order (ne0 first) for GGUF. */
  shape: number[];
  bytes: number;
  parameters: number;
  /** Bits per weight (GGUF only). */
  bitsPerWeight?: number;
}

export type InspectReport =
  | {
      kind: "checkpoint";
      path: string;
      architecture: string;
      hyperparameters: Record<string, unknown>;
      tensorCount: number;
      parameters: number;
      parametersByClass: Record<string, number>;
      files: Array<{ name: string; bytes: number }>;
      totalBytes: number;
      tensors: InspectTensor[];
    }
  | {
      kind: "gguf";
      path: string;
      architecture: string;
      version: number;
      alignment: number;
      fileBytes: number;
      tensorCount: number;
      parameters: number;
      bitsPerWeight: number;
      typeCounts: Record<string, number>;
      metadata: Record<string, unknown>;
      tensors: InspectTensor[];
    }
  | { kind: "build"; path: string; manifest: BuildManifest }
  | {
      kind: "model";
      name: string;
      /** The model file the shapes come from. */
      file?: string;
      source: string;
      architecture: string;
      family: string;
      hyperparameters: Record<string, unknown>;
      /** The checkpoint's tensors as the declared config lays them out (no weights read). */
      tensorCount: number;
      totalBytes: number;
      parameters: number;
      activeParameters: number;
      parametersByClass: Record<string, number>;
      /** Tensors a GGUF conversion writes (llama.cpp's plan, MXFP4 experts kept). */
      ggufTensorCount: number;
      tensors: InspectTensor[];
    };

export async function inspectPath(params: { path: string }): Promise<InspectReport> {
  const { path } = params;
  const info = await stat(path).catch(() => undefined);
  if (!info) {
    const looksLikePath = path.includes("/") || path.startsWith(".") || path.endsWith(".gguf");
    if (!looksLikePath) return inspectModel(path);
    throw new InvalidInputError(path, "no such file or directory");
  }
  if (info.isDirectory()) {
    if (existsSync(join(path, "manifest.json"))) {
      const manifest = JSON.parse(await readFile(join(path, "manifest.json"), "utf8")) as BuildManifest;
      return { kind: "build", path, manifest };
    }
    return inspectCheckpoint(path);
  }
  return inspectGguf(path);
}

async function inspectCheckpoint(dir: string): Promise<InspectReport> {
  const { readGptOssConfig } = await import("../arch/gpt-oss/index.js");
  const { logicalParameterCount, parameterClassOf } = await import("../arch/gpt-oss/index.js");
  const { openCheckpoint } = await import("../formats/safetensors/index.js");
  const hp = await readGptOssConfig({ dir });
  const checkpoint = await openCheckpoint({ dir });
  try {
    const byClass: Record<string, number> = {};
    const tensors: InspectTensor[] = checkpoint.tensors.map((t) => {
      const parameters = logicalParameterCount(t);
      const cls = parameterClassOf(t.name);
      byClass[cls] = (byClass[cls] ?? 0) + parameters;
      return { name: t.name, type: t.dtype, shape: [...t.shape], bytes: t.byteLength, parameters };
    });
    const files: Array<{ name: string; bytes: number }> = [];
    for (const f of checkpoint.shardFiles) files.push({ name: f.slice(dir.length + 1), bytes: (await stat(f)).size });
    const { raw: _raw, ...hyperparameters } = hp;
    return {
      kind: "checkpoint",
      path: dir,
      architecture: "GptOssForCausalLM",
      hyperparameters,
      tensorCount: tensors.length,
      parameters: tensors.reduce((n, t) => n + t.parameters, 0),
      parametersByClass: byClass,
      files,
      totalBytes: files.reduce((n, f) => n + f.bytes, 0),
      tensors,
    };
  } finally {
    await checkpoint.close();
  }
}

/** A model of models/ by name: its declared config through the family, and the checkpoint it lays out. */
async function inspectModel(name: string): Promise<InspectReport> {
  const { listModelSpecs, describeSource } = await import("../pipeline/modelSpec.js");
  const specs = await listModelSpecs();
  const spec = specs.find((m) => m.name === name);
  if (!spec) {
    const { UsageError } = await import("../errors.js");
    throw new UsageError(`inspect: ${JSON.stringify(name)} is neither a path nor a model of models/ (${specs.map((m) => m.name).join(", ")})`);
  }
  const { syntheticPreset } = await import("../synth/presets.js");
  const { planSyntheticCheckpoint } = await import("../synth/planSyntheticCheckpoint.js");
  const { parameterClassOf, planGgufTensors } = await import("../arch/gpt-oss/index.js");
  const { parseModelConfig } = await import("../arch/index.js");
  // a synthetic model has the shapes of its preset; a Hub model those of its own config:
  const presetName = spec.source.kind === "synth" ? spec.source.preset : spec.name;
  if (spec.source.kind !== "synth" && !spec.config) {
    const { UsageError } = await import("../errors.js");
    throw new UsageError(`inspect: ${name} declares no config: in ${spec.file}, so its shapes are unknown without downloading it`);
  }
  const preset = syntheticPreset(presetName);
  const { family, hp } = parseModelConfig({ config: preset.config, file: preset.name });
  const plan = planSyntheticCheckpoint({ preset: presetName });
  const byClass: Record<string, number> = {};
  const tensors: InspectTensor[] = plan.tensors.map((t) => {
    const cls = parameterClassOf(t.name);
    byClass[cls] = (byClass[cls] ?? 0) + t.parameterCount;
    return { name: t.name, type: t.dtype, shape: [...t.shape], bytes: t.byteLength, parameters: t.parameterCount };
  });
  const gguf = planGgufTensors({ tensors: plan.tensors.map((t) => ({ ...t, file: plan.weightMap[t.name] })), hp, where: name, experts: "mxfp4" });
  const { raw: _raw, ...hyperparameters } = hp;
  const architectures = preset.config.architectures;
  return {
    kind: "model",
    name,
    file: spec.file,
    source: describeSource(spec.source),
    architecture: Array.isArray(architectures) && typeof architectures[0] === "string" ? architectures[0] : family.architectures[0],
    family: family.id,
    hyperparameters,
    tensorCount: tensors.length,
    totalBytes: plan.totalBytes,
    parameters: plan.parameterCount,
    activeParameters: family.activeParameterCount(hp),
    parametersByClass: byClass,
    ggufTensorCount: gguf.length,
    tensors,
  };
}

async function inspectGguf(path: string): Promise<InspectReport> {
  const { readGguf } = await import("../formats/gguf/readGguf.js");
  const { ggmlTypeName } = await import("../formats/gguf/ggmlTypes.js");
  const { ggufPlainValue } = await import("../formats/gguf/ggufValue.js");
  const gguf = await readGguf({ path });
  const typeCounts: Record<string, number> = {};
  const tensors: InspectTensor[] = gguf.tensors.map((t) => {
    const parameters = t.shape.reduce((a, b) => a * b, 1);
    const type = ggmlTypeName(t.type);
    typeCounts[type] = (typeCounts[type] ?? 0) + 1;
    return { name: t.name, type, shape: t.shape, bytes: t.byteLength, parameters, bitsPerWeight: (8 * t.byteLength) / parameters };
  });
  const metadata: Record<string, unknown> = {};
  for (const [key, value] of gguf.metadata) {
    const plain = ggufPlainValue(value);
    // token lists are huge: show their length and head, not 200k entries
    metadata[key] = Array.isArray(plain) && plain.length > 16 ? { length: plain.length, head: plain.slice(0, 8) } : plain;
  }
  const parameters = tensors.reduce((n, t) => n + t.parameters, 0);
  const dataBytes = tensors.reduce((n, t) => n + t.bytes, 0);
  const arch = gguf.metadata.get("general.architecture");
  return {
    kind: "gguf",
    path,
    architecture: arch ? String(ggufPlainValue(arch)) : "unknown",
    version: gguf.version,
    alignment: gguf.alignment,
    fileBytes: gguf.fileSize,
    tensorCount: tensors.length,
    parameters,
    bitsPerWeight: (8 * dataBytes) / parameters,
    typeCounts,
    metadata,
    tensors,
  };
}
