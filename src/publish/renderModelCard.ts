/**
 * The README.md model card of a published variant: YAML front matter the Hub indexes (base model,
 * relation, license, tags, pipeline) and a body written from what the build recorded — the variant,
 * the quantization recipe and expert policy as the stages ran them, the eval and VRAM results, the
 * manifest, and how to run the file with llama.cpp and node-llama-cpp. Nothing in it is typed by
 * hand, and it is deterministic for a given build, so publishing the same build twice uploads the
 * same bytes (and therefore nothing).
 */
import { stringify } from "yaml";
import type { BuildFitRecord, ManifestStage, ToolVersions } from "../pipeline/manifest.js";
import { formatBytes, formatSeconds } from "../util/format.js";
import { redactLocalPaths } from "../util/redactLocalPaths.js";

export interface ModelCardInput {
  /** The repository the card is published to ("org/name"). */
  repo: string;
  variant: string;
  variantDescription?: string;
  model: { name: string; baseModel?: string; license?: string; source: Record<string, unknown> };
  stages: ManifestStage[];
  tools: ToolVersions;
  /** The files published beside the card (path in the repository). */
  files: Array<{ path: string; size: number; sha256: string }>;
  /** manifest.json is published beside the card. */
  manifestPublished?: boolean;
  /** Hub URL for links (default https://huggingface.co). */
  endpoint?: string;
  /** Optional stages the build skipped, with the reason (no GPU, offline…). */
  skipped?: Array<{ id: string; reason: string }>;
  /** `build --fit`: the request, the choice and its llama.cpp command line. */
  fit?: BuildFitRecord;
}

const DEFAULT_BASE_MODEL = "openai/gpt-oss-20b";

const EXPERT_POLICIES: Record<string, string> = {
  keep: "MXFP4 experts copied bit-exactly from the checkpoint (no requantization)",
  "MXFP4 (copied)": "MXFP4 experts copied bit-exactly from the checkpoint (no requantization)",
  requant: "experts dequantized from MXFP4 and quantized again by the recipe",
  dequantized: "experts dequantized from MXFP4 to the output type",
};

/** Keys whose values are shares in [0, 1] shown as percentages (accuracies and their losses, agreement). */
const SHARE_KEY = /accuracy|agreement|(^|_)loss($|_)/i;

/** A value as a reader wants it in a cell: shares as %, numbers rounded, objects as "key value" pairs, no local paths. */
function formatValue(value: unknown, key = ""): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") {
    if (SHARE_KEY.test(key) && Math.abs(value) <= 1 && !Number.isInteger(value)) return `${(value * 100).toFixed(1)}%`;
    return Number.isInteger(value) ? value.toLocaleString("en-US") : value.toPrecision(4).replace(/\.?0+$/, "");
  }
  if (typeof value === "string") return redactLocalPaths(value);
  if (Array.isArray(value)) {
    // a [low, high] interval of shares
    if (value.length === 2 && value.every((v) => typeof v === "number") && SHARE_KEY.test(key)) return `${formatValue(value[0], key)} – ${formatValue(value[1], key)}`;
    return value.map((v) => formatValue(v, key)).join(", ");
  }
  if (typeof value === "object") return Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k} ${formatValue(v, k)}`).join(", ");
  return String(value);
}


function cell(value: unknown, key?: string): string {
  return formatValue(value, key).replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function table(header: string[], rows: unknown[][]): string[] {
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.map((v, i) => cell(v, header[i])).join(" | ")} |`)];
}

/** Stage parameters for a sentence: `key value` pairs, local paths redacted. */
function params(p: Record<string, unknown>): string {
  const text = formatValue(p);
  return text ? `\`${text}\`` : "none";
}

/** A stage summary as tables: scalars as key/value rows, arrays of records as their own table. */
function renderSummary(summary: Record<string, unknown> | undefined): string[] {
  if (!summary) return ["_(no summary recorded)_"];
  const lines: string[] = [];
  const scalars = Object.entries(summary).filter(([key, v]) => key !== "text" && (v === null || typeof v !== "object" || (Array.isArray(v) && v.every((x) => typeof x !== "object"))));
  if (scalars.length) lines.push(...table(["metric", "value"], scalars.map(([key, v]) => [key, formatValue(v, key)])), "");
  for (const [key, value] of Object.entries(summary)) {
    if (!Array.isArray(value) || value.length === 0 || value.some((row) => row === null || typeof row !== "object" || Array.isArray(row))) continue;
    const columns = [...new Set(value.flatMap((row) => Object.keys(row as object)))];
    lines.push(`**${key}**`, "", ...table(columns, value.map((row) => columns.map((c) => (row as Record<string, unknown>)[c]))), "");
  }
  if (typeof summary.text === "string") {
    // a summary that is already Markdown tables renders as such
    const markdown = summary.text.split("\n").every((line) => line.trim() === "" || line.trimStart().startsWith("|"));
    // a plain-text summary reads as sentences, one paragraph per line (never a preformatted block)
    const paragraphs = summary.text.split("\n").filter((line) => line.trim() !== "").flatMap((line) => [redactLocalPaths(line.trim()), ""]);
    lines.push(...(markdown ? [redactLocalPaths(summary.text.trim()), ""] : paragraphs));
  }
  return lines;
}

function producesKind(stage: ManifestStage, kind: string): boolean {
  return stage.outputs.some((o) => o.kind === kind);
}

function describeSourceLine(source: Record<string, unknown>, sourceStage: ManifestStage | undefined, endpoint: string): string {
  const summary = sourceStage?.summary ?? {};
  if (source.kind === "hub") {
    const commit = typeof summary.commit === "string" ? summary.commit : undefined;
    return `[${source.repo}](${endpoint}/${source.repo}) at ${commit ? `commit \`${commit}\`` : `revision \`${source.revision}\``}`;
  }
  if (source.kind === "synth") return `a synthetic checkpoint generated by oss-prep (preset \`${source.preset}\`, seed ${source.seed}) — random weights in the real layout`;
  return "a local checkpoint directory"; // its path is the builder's business, not the card reader's
}

export function renderModelCard(input: ModelCardInput): string {
  const endpoint = (input.endpoint ?? "https://huggingface.co").replace(/\/+$/, "");
  const baseModel = input.model.baseModel ?? DEFAULT_BASE_MODEL;
  const ggufStages = input.stages.filter((s) => producesKind(s, "gguf"));
  const recipeStage = ggufStages.at(-1);
  const quantType = String(recipeStage?.summary?.type ?? recipeStage?.params?.type ?? recipeStage?.params?.outtype ?? "").toUpperCase();
  const ggufFiles = input.files.filter((f) => f.path.endsWith(".gguf"));
  // the product's file: the recipe stage's GGUF (a build folder also holds its bf16 baseline)
  const productName = recipeStage?.outputs.find((o) => o.kind === "gguf")?.path.split(/[\\/]/).pop();
  const primary = ggufFiles.find((f) => f.path === productName)?.path ?? ggufFiles.at(-1)?.path ?? "model.gguf";
  const sourceStage = input.stages.find((s) => producesKind(s, "checkpoint"));
  const synthetic = input.model.source.kind === "synth";
  const pruned = input.stages.some((s) => s.stage === "prune");
  const evalStage = input.stages.filter((s) => producesKind(s, "eval")).at(-1);
  const accuracy = typeof evalStage?.summary?.accuracy === "number" ? evalStage.summary.accuracy : undefined;

  // base_model only for weights that come from it (a synthetic checkpoint has random weights);
  // base_model_relation only where one of the Hub's values (adapter, merge, quantized, finetune) is
  // true: a pruned model is none of them, so it is left out (the body says so)
  const frontMatter: Record<string, unknown> = {
    ...(synthetic ? {} : { base_model: baseModel }),
    ...(synthetic || pruned ? {} : { base_model_relation: "quantized" }),
    license: input.model.license ?? "apache-2.0",
    pipeline_tag: "text-generation",
    quantized_by: "oss-prep",
    tags: [...new Set(["gguf", "quantized", "gpt-oss", "llama.cpp", "oss-prep", ...(pruned ? ["pruned"] : []), ...(quantType ? [quantType.toLowerCase()] : [])])],
    ...(accuracy !== undefined && {
      "model-index": [
        {
          name: input.repo.split("/")[1],
          results: [
            {
              task: { type: "text-generation" },
              dataset: { name: "CMMLU (oss-prep subset)", type: "haonan-li/cmmlu" },
              metrics: [{ type: "accuracy", value: Number((accuracy * 100).toFixed(1)), name: "accuracy (%)" }],
            },
          ],
        },
      ],
    }),
  };

  const lines: string[] = ["---", stringify(frontMatter).trimEnd(), "---", ""];
  lines.push(
    `# ${input.repo.split("/")[1]}`,
    "",
    synthetic
      ? `GGUF variant \`${input.variant}\` of a synthetic gpt-oss checkpoint in ${baseModel}'s layout — not the real model — built with oss-prep ${input.tools.ossPrep} from ${describeSourceLine(input.model.source, sourceStage, endpoint)}.`
      : `GGUF variant \`${input.variant}\` of [${baseModel}](${endpoint}/${baseModel}), built with oss-prep ${input.tools.ossPrep} from ${describeSourceLine(input.model.source, sourceStage, endpoint)}.`,
    "",
  );
  if (pruned && !synthetic) lines.push("`base_model_relation` is left out: pruning removes experts and heads, which is none of the Hub's relations (adapter, merge, quantized, finetune).", "");

  if (input.fit) {
    const f = input.fit;
    const ram = f.request.ramMiB !== undefined ? `, ${formatBytes(f.request.ramMiB * 1024 * 1024)} of host RAM` : "";
    lines.push(
      "## Chosen to fit",
      "",
      `\`oss-prep build --fit ${f.request.gpus}\`: the best variant (by ${f.request.prefer}) for ${f.request.gpus}${ram}, ${f.request.ctx.toLocaleString("en-US")} tokens of context × ${f.request.parallel} sequence${f.request.parallel > 1 ? "s" : ""}: ${f.choice}.`,
      "",
      ...table(
        ["planned", "MiB"],
        [...f.plannedGpuMiB.map((m, i) => [`GPU ${i}`, m]), ["host RAM", f.plannedHostMiB]],
      ),
      "",
      `Why: ${redactLocalPaths(f.reason)}.`,
      "",
      "Serve it exactly as planned:",
      "",
      "```sh",
      f.commandLine.replace(/-m \S+/, `--hf-repo ${input.repo} --hf-file ${primary}`),
      "```",
      "",
    );
  }
  lines.push("## Variant", "");
  if (input.variantDescription) lines.push(input.variantDescription, "");
  lines.push(...table(["file", "size", "sha256"], input.files.map((f) => [`\`${f.path}\``, `${formatBytes(f.size)} (${f.size} bytes)`, `\`${f.sha256}\``])), "");

  lines.push("## Quantization recipe", "");
  if (!recipeStage) lines.push("_The build has no stage that writes GGUF._", "");
  // only the stages the product was made from: a build's comparison baseline is not part of its recipe
  const lineage = new Set<string>();
  const visit = (id: string) => {
    if (lineage.has(id)) return;
    lineage.add(id);
    for (const from of input.stages.find((s) => s.id === id)?.inputs ?? []) visit(from.from);
  };
  if (recipeStage) visit(recipeStage.id);
  for (const stage of ggufStages.filter((s) => lineage.has(s.id))) {
    lines.push(`Stage \`${stage.id}\` (\`${stage.stage}\` v${stage.version}), parameters ${params(stage.params)}:`, "");
    lines.push(...renderSummary(Object.fromEntries(Object.entries(stage.summary ?? {}).filter(([key]) => key !== "classes"))));
    const classes = stage.summary?.classes;
    if (Array.isArray(classes) && classes.length) {
      lines.push(
        "Types per tensor class:",
        "",
        ...table(
          ["class", "tensors", "from", "to", "fallbacks", "bytes"],
          classes.map((c: Record<string, unknown>) => [c.class, c.tensors, c.from, c.to, c.fallbacks, c.bytes]),
        ),
        "",
      );
    }
  }

  lines.push("## Expert policy", "");
  const policy = recipeStage ? String(recipeStage.summary?.experts ?? recipeStage.params?.experts ?? "") : "";
  lines.push(policy ? `\`${policy}\`: ${EXPERT_POLICIES[policy] ?? "as recorded by the build"}.` : "_Not recorded by the build._", "");

  for (const [kind, title, none] of [
    ["eval", "Evaluation", "This build has no evaluation stage."],
    ["vram", "VRAM", "This build has no VRAM measurement stage."],
  ] as const) {
    lines.push(`## ${title}`, "");
    const stages = input.stages.filter((s) => producesKind(s, kind));
    // a stage the build skipped (no GPU, offline) is said as such, not as absent
    const skipped = (input.skipped ?? []).filter((s) => s.id === kind || s.id.startsWith(kind));
    if (stages.length === 0) lines.push(skipped.length ? `_Skipped in this build: ${skipped.map((s) => redactLocalPaths(s.reason)).join("; ")}._` : `_${none}_`, "");
    for (const stage of stages) lines.push(`Stage \`${stage.id}\` (\`${stage.stage}\`), parameters ${params(stage.params)}:`, "", ...renderSummary(stage.summary));
  }

  lines.push(
    "## How to run",
    "",
    "With [llama.cpp](https://github.com/ggml-org/llama.cpp) (`--jinja` applies the model's chat template, which gpt-oss needs):",
    "",
    "```sh",
    `llama-server --hf-repo ${input.repo} --hf-file ${primary} --jinja`,
    `llama-cli --hf-repo ${input.repo} --hf-file ${primary} --jinja -p "Explain MXFP4 in one paragraph."`,
    "```",
    "",
    "With [node-llama-cpp](https://node-llama-cpp.withcat.ai):",
    "",
    "```sh",
    `npx -y node-llama-cpp chat hf:${input.repo}/${primary}`,
    "```",
    "",
    "```js",
    'import { getLlama, LlamaChatSession, resolveModelFile } from "node-llama-cpp";',
    "",
    `const modelPath = await resolveModelFile("hf:${input.repo}/${primary}");`,
    "const llama = await getLlama();",
    "const model = await llama.loadModel({ modelPath });",
    "const context = await model.createContext();",
    "const session = new LlamaChatSession({ contextSequence: context.getSequence() });",
    'console.log(await session.prompt("Explain MXFP4 in one paragraph."));',
    "```",
    "",
  );

  lines.push("## Build manifest", "");
  lines.push(`Model source: ${describeSourceLine(input.model.source, sourceStage, endpoint)}.`, "");
  lines.push(
    ...table(
      ["stage", "version", "parameters", "cached", "time", "peak RSS", "cache key"],
      input.stages.map((s) => [`\`${s.id}\` (${s.stage})`, s.version, params(s.params), s.cached ? "yes" : "no", formatSeconds(s.seconds), formatBytes(s.peakRssBytes), `\`${s.cacheKey}\``]),
    ),
    "",
    `Tools: oss-prep ${input.tools.ossPrep}, Node.js ${input.tools.node}, node-llama-cpp ${input.tools.nodeLlamaCpp} (llama.cpp ${input.tools.llamaCpp}), ${input.tools.platform}.`,
    "",
  );
  if (input.manifestPublished) {
    lines.push("`manifest.json` in this repository records every stage's inputs and outputs with their sha256 digests.", "");
  }
  return lines.join("\n");
}
