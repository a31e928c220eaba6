/**
 * The stage engine. For each stage of a pipeline: resolve inputs from earlier stages, hash
 * (stage name, version, params, input digests) into a cache key, and either reuse the finished
 * output in the cache or run the stage into a partial directory that is renamed into place only
 * when complete. A `stage.json` written last marks completion, so a build killed at any moment
 * (SIGINT or SIGKILL) resumes at the first unfinished stage and never trusts a partial output.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { link, mkdir, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative } from "node:path";
import { EnvironmentError, OssPrepError, UsageError } from "../errors.js";
import { writeFileAtomic } from "../util/atomic.js";
import { logWarn } from "../util/log.js";
import { machineThreads } from "../util/threads.js";
import { DigestCache, describeArtifact } from "./artifacts.js";
import { type BuildFitRecord, type BuildManifest, type ManifestArtifact, type ManifestStage, toolVersions } from "./manifest.js";
import type { ModelSpec } from "./modelSpec.js";
import type { PipelineSpec, PipelineStage } from "./pipelineSpec.js";
import { defaultStepRunner, type StepRunner } from "./progress.js";
import type { Artifact, StageResult } from "./types.js";
import { isProcessAlive } from "../util/isProcessAlive.js";

export interface BuildOptions {
  pipeline: PipelineSpec;
  /** `build --fit`: recorded in the manifest. */
  fit?: BuildFitRecord;
  model: ModelSpec;
  workDir: string;
  /** Where artifacts and manifest.json go; default `<workDir>/builds/<model>-<variant>`. */
  outDir?: string;
  /** Run only these stages (ids or stage names); the others are taken from the cache when needed. */
  only?: string[];
  /** Re-run the selected stages even when their output is cached. */
  force?: boolean;
  /**
   * Re-hash every file the build reads or reuses instead of trusting the (path, size, mtime, ctime,
   * inode) memo: catches bit rot, which changes none of those.
   */
  verify?: boolean;
  /** Fail the build when an optional stage cannot run here, instead of skipping it with a warning. */
  strict?: boolean;
  runner?: StepRunner;
  signal?: AbortSignal;
  threads?: number;
}

export interface BuildResult {
  buildDir: string;
  manifestPath: string;
  manifest: BuildManifest;
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export function stageCacheKey(params: {
  stage: string;
  version: number;
  params: unknown;
  inputs: Record<string, string>;
  extra?: unknown;
}): string {
  return createHash("sha256").update(canonicalJson(params)).digest("hex").slice(0, 24);
}


/** Remove partial directories left by killed builds (their owner process is gone). */
async function removeStalePartials(stageRoot: string): Promise<void> {
  for (const entry of await readdir(stageRoot).catch(() => [] as string[])) {
    const match = /^\.partial-.*-(\d+)-[0-9a-f]+$/.exec(entry);
    if (match && !isProcessAlive(Number(match[1]))) await rm(join(stageRoot, entry), { recursive: true, force: true });
  }
}

/** Temporary files of atomic writes (`.<name>.tmp-<pid>-<hex>`, e.g. digests.json's) left by a killed run. */
async function removeStaleTemporaries(dir: string): Promise<void> {
  for (const entry of await readdir(dir).catch(() => [] as string[])) {
    const match = /^\..+\.tmp-(\d+)-[0-9a-f]+$/.exec(entry);
    if (match && !isProcessAlive(Number(match[1]))) await rm(join(dir, entry), { force: true });
  }
}

async function readStageRecord(dir: string): Promise<ManifestStage | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, "stage.json"), "utf8")) as ManifestStage;
  } catch {
    return undefined; // no record: the directory is not a finished stage
  }
}

/** Samples RSS while a stage runs; the process high-water mark settles it when the stage set a new one. */
function startMemorySampler(): () => number {
  const startMax = process.resourceUsage().maxRSS * 1024;
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 100);
  timer.unref();
  return () => {
    clearInterval(timer);
    const endMax = process.resourceUsage().maxRSS * 1024;
    peak = Math.max(peak, process.memoryUsage.rss());
    return endMax > startMax ? endMax : peak;
  };
}

async function linkInto(source: string, target: string): Promise<void> {
  await mkdir(join(target, ".."), { recursive: true });
  // already this file (a cached rebuild): nothing to do. Renaming a new link onto the same inode is a
  // no-op that would leave the temporary link behind, and each new link changes the file's ctime
  const [from, to] = await Promise.all([stat(source), stat(target).catch(() => undefined)]);
  if (to && to.ino === from.ino && to.dev === from.dev) return;
  const tmp = join(target, "..", `.${basename(target)}.link-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    await link(source, tmp);
  } catch {
    const { copyFile } = await import("node:fs/promises");
    await copyFile(source, tmp); // another filesystem: hard links are impossible
  }
  await rename(tmp, target);
}

export async function runBuild(options: BuildOptions): Promise<BuildResult> {
  const { pipeline, model, workDir } = options;
  const threads = options.threads ?? machineThreads();
  const buildDir = options.outDir ?? join(workDir, "builds", `${model.name}-${pipeline.name}`);
  const signal = options.signal ?? new AbortController().signal;
  const only = options.only?.length ? new Set(options.only) : undefined;
  if (only) {
    for (const name of only) {
      if (!pipeline.stages.some((s) => s.id === name || s.definition.name === name)) {
        throw new UsageError(`--only ${name}: no such stage in ${pipeline.file} (stages: ${pipeline.stages.map((s) => s.id).join(", ")})`);
      }
    }
  }
  await mkdir(join(workDir, "stages"), { recursive: true });
  await removeStaleTemporaries(workDir);
  const digests = new DigestCache(join(workDir, "digests.json"), { trustMemo: !options.verify });
  await digests.load();

  const produced = new Map<string, Record<string, Artifact>>();
  /** Optional stages skipped in this build, with the reason. */
  const skipped = new Map<string, string>();
  const records: ManifestStage[] = [];
  const warnings: string[] = [];
  const runner = options.runner ?? defaultStepRunner();

  const selected = (s: PipelineStage) => !only || only.has(s.id) || only.has(s.definition.name) || s.definition.alwaysRun === true;

  const resolveInputs = (stage: PipelineStage): Record<string, Artifact> | { missing: string } => {
    const inputs: Record<string, Artifact> = {};
    for (const slot of stage.definition.inputs) {
      const from = stage.inputs[slot.name];
      if (!from) continue;
      const outputs = produced.get(from);
      const artifact = outputs && Object.values(outputs).find((a) => a.kind === slot.kind);
      if (!artifact) {
        // an optional input whose producer was skipped here (no GPU, offline) is simply absent
        if (slot.optional && skipped.has(from)) continue;
        return { missing: from };
      }
      inputs[slot.name] = artifact;
    }
    return inputs;
  };

  const keyFor = (stage: PipelineStage, inputs: Record<string, Artifact>) =>
    stageCacheKey({
      stage: stage.definition.name,
      version: stage.definition.version,
      params: stage.params,
      inputs: Object.fromEntries(Object.entries(inputs).map(([slot, a]) => [slot, a.digest])),
      // The model source stage is keyed by the source itself (its output is re-verified every run).
      extra: stage.definition.alwaysRun ? model.source : undefined,
    });

  const steps = pipeline.stages.map((stage) => ({
    title: stage.id === stage.definition.name ? stage.id : `${stage.id} (${stage.definition.name})`,
    // biome-ignore lint/suspicious/noConfusingVoidType: a step returns a label or nothing (see ProgressStep.run)
    run: async (report: Parameters<Parameters<StepRunner["run"]>[0][number]["run"]>[0]): Promise<string | void> => {
      signal.throwIfAborted();
      const inputs = resolveInputs(stage);
      const stageRoot = join(workDir, "stages", stage.definition.name);
      await mkdir(stageRoot, { recursive: true });
      await removeStalePartials(stageRoot);
      if ("missing" in inputs) {
        if (!selected(stage)) return "skipped: not selected";
        const missing = (inputs as { missing: string }).missing;
        if (skipped.has(missing)) {
          const reason = `needs the output of ${missing}, which was skipped`;
          skipped.set(stage.id, reason);
          warnings.push(`${stage.id}: skipped: ${reason}`);
          return `skipped: ${reason}`;
        }
        throw new OssPrepError(
          `stage ${stage.id} needs the output of stage ${inputs.missing}, which is neither selected nor in the cache; run without --only or add --only ${inputs.missing}`,
        );
      }
      const key = keyFor(stage, inputs);
      const finalDir = join(stageRoot, key);
      const forced = options.force === true && (!only || only.has(stage.id) || only.has(stage.definition.name));
      const previous = await readStageRecord(finalDir);
      if (previous && !forced && !stage.definition.alwaysRun) {
        // a cached output is used only as it was written: every file present, of its size and digest
        // (the digest memo re-hashes a file whose size, mtime or inode changed)
        const problem = await checkCachedOutputs(previous, finalDir, digests);
        if (!problem) {
          produced.set(stage.id, await loadOutputs(previous, finalDir));
          records.push({ ...previous, id: stage.id, cached: true });
          return "cached";
        }
        const message = `${stage.id}: the cached output ${problem}: running the stage again`;
        warnings.push(message);
        logWarn(message);
      }
      if (!selected(stage)) return "skipped: not selected";

      const partialDir = join(stageRoot, `.partial-${key}-${process.pid}-${randomBytes(4).toString("hex")}`);
      await mkdir(partialDir, { recursive: true });
      const stageWarnings: string[] = [];
      const startedAt = new Date();
      const cpuStart = process.cpuUsage();
      const stopSampler = startMemorySampler();
      const t0 = performance.now();
      let result: StageResult;
      try {
        const run = await stage.definition.load();
        result = await run({
          stageId: stage.id,
          params: stage.params,
          inputs,
          model,
          outDir: partialDir,
          workDir,
          verify: options.verify,
          threads,
          signal,
          progress: report,
          log: (m) => report({ done: 0, detail: m }),
          warn: (m) => {
            stageWarnings.push(m);
            logWarn(`${stage.id}: ${m}`);
          },
          build: { variant: pipeline.name, description: pipeline.description, stages: records.map((r) => ({ ...r })), skipped: [...skipped].map(([id, reason]) => ({ id, reason })) },
        });
      } catch (error) {
        stopSampler();
        await rm(partialDir, { recursive: true, force: true });
        // An optional stage that cannot run on this machine (no GPU, no network, no repository to
        // publish to) is skipped and said so; nothing is cached, so it runs when it can.
        if (stage.optional && !options.strict && error instanceof EnvironmentError) {
          skipped.set(stage.id, error.message);
          warnings.push(`${stage.id}: skipped: ${error.message}`);
          logWarn(`${stage.id}: skipped: ${error.message}`);
          return "skipped";
        }
        throw error;
      }
      const seconds = (performance.now() - t0) / 1000;
      const peakRssBytes = stopSampler();
      const cpu = process.cpuUsage(cpuStart);
      stageWarnings.push(...(result.warnings ?? []));

      // Publish: move any previous output away, rename the partial dir into place, then describe
      // the outputs and write stage.json last (the completion marker).
      if (existsSync(finalDir)) {
        const old = join(stageRoot, `.partial-old-${key}-${process.pid}-${randomBytes(4).toString("hex")}`);
        await rename(finalDir, old);
        await rm(old, { recursive: true, force: true });
      }
      await rename(partialDir, finalDir);
      const outputs: Record<string, Artifact> = {};
      for (const [name, out] of Object.entries(result.outputs)) {
        const path = isAbsolute(out.path) ? out.path : join(finalDir, out.path);
        outputs[name] = await describeArtifact({ kind: out.kind, path, known: out.files, knownIsComplete: out.filesAreComplete, digests });
      }
      const record: ManifestStage = {
        id: stage.id,
        stage: stage.definition.name,
        version: stage.definition.version,
        cacheKey: key,
        params: stage.rawParams,
        cached: false,
        startedAt: startedAt.toISOString(),
        seconds,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        peakRssBytes,
        inputs: Object.entries(inputs).map(([slot, a]) => ({ slot, from: stage.inputs[slot], digest: a.digest })),
        outputs: Object.entries(outputs).map(([name, a]) => ({
          name,
          kind: a.kind,
          path: isAbsolute(result.outputs[name].path) ? a.path : relative(finalDir, a.path),
          files: a.files,
          digest: a.digest,
        })),
        summary: result.summary,
        warnings: stageWarnings,
      };
      await writeFileAtomic(join(finalDir, "stage.json"), JSON.stringify(record, null, 2));
      await digests.save();
      produced.set(stage.id, outputs);
      records.push(record);
    },
  }));

  await runner.run(steps);
  await digests.save();

  // Export: hard-link exported artifacts into the build dir and write the manifest beside them.
  const exported: ManifestStage[] = [];
  // the output folder appears once every stage has run: a failed build leaves none behind
  await mkdir(buildDir, { recursive: true });
  for (const record of records) {
    const stage = pipeline.stages.find((s) => s.id === record.id)!;
    const outputs = produced.get(record.id)!;
    const manifestOutputs: ManifestArtifact[] = [];
    for (const out of record.outputs) {
      const artifact = outputs[out.name];
      const declared = stage.definition.outputs.find((o) => o.name === out.name);
      if (!declared?.exported) {
        manifestOutputs.push({ ...out, path: artifact.path });
        continue;
      }
      const info = await stat(artifact.path);
      if (info.isFile()) {
        await linkInto(artifact.path, join(buildDir, basename(artifact.path)));
        // the link changed the file's ctime: the digest memo learns it, so the next build does not re-hash
        digests.remember(artifact.path, out.files[0].sha256, await stat(artifact.path));
        manifestOutputs.push({ ...out, path: basename(artifact.path) });
      } else {
        for (const file of artifact.files) {
          await linkInto(join(artifact.path, file.path), join(buildDir, stage.id, file.path));
          digests.remember(join(artifact.path, file.path), file.sha256, await stat(join(artifact.path, file.path)));
        }
        manifestOutputs.push({ ...out, path: stage.id });
      }
    }
    exported.push({ ...record, outputs: manifestOutputs });
    warnings.push(...record.warnings.map((w) => `${record.id}: ${w}`));
  }
  const manifest: BuildManifest = {
    schema: 1,
    variant: pipeline.name,
    pipelineFile: relative(process.cwd(), pipeline.file) || pipeline.file,
    model: { name: model.name, source: { ...model.source } },
    createdAt: new Date().toISOString(),
    stages: exported,
    skipped: [...skipped].map(([id, reason]) => ({ id, reason })),
    ...(options.fit && { fit: options.fit }),
    tools: toolVersions(),
    warnings,
  };
  await digests.save();
  const manifestPath = join(buildDir, "manifest.json");
  await writeFileAtomic(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return { buildDir, manifestPath, manifest };
}

/** Why a cached stage's outputs cannot be reused (a file missing, resized or changed), or undefined. */
async function checkCachedOutputs(record: ManifestStage, dir: string, digests: DigestCache): Promise<string | undefined> {
  for (const out of record.outputs) {
    const path = isAbsolute(out.path) ? out.path : join(dir, out.path);
    const info = await stat(path).catch(() => undefined);
    if (!info) return `${path} is missing`;
    const base = info.isFile() ? dirname(path) : path;
    for (const file of out.files) {
      const full = join(base, file.path);
      const s = await stat(full).catch(() => undefined);
      if (!s?.isFile()) return `file ${full} is missing`;
      if (s.size !== file.size) return `file ${full} has ${s.size} bytes, ${file.size} when written`;
      if ((await digests.sha256(full)).sha256 !== file.sha256) return `file ${full} changed since it was written (sha256)`;
    }
  }
  return undefined;
}

async function loadOutputs(record: ManifestStage, dir: string): Promise<Record<string, Artifact>> {
  const outputs: Record<string, Artifact> = {};
  for (const out of record.outputs) {
    const path = isAbsolute(out.path) ? out.path : join(dir, out.path);
    outputs[out.name] = { kind: out.kind, path, files: out.files, digest: out.digest };
  }
  return outputs;
}
