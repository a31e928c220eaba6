/**
 * Layer rules for src/, checked by `npm run lint` (dependency-cruiser).
 *
 * LAYERS below is the one place the layer order lives: bottom → top. A file may import from its
 * own layer and any layer below it, never from a layer above. The forbidden rules are generated
 * from the table; docs/architecture.md shows the same table and a diagram generated from the
 * import graph (`npm run docs:layers`; `npm run lint` fails when the committed copy is stale).
 *
 * Folders in one layer may import each other (stages/download uses stages/source), as long as
 * no cycle forms: cycles are forbidden everywhere, type-only imports included.
 *
 * Test files (*.test.ts, test/, bench/) may import from any layer, but they are cruised too, so a
 * cycle through them is still reported.
 *
 * Parser: TypeScript 7 (the native compiler this project builds with) has no in-process compiler
 * API that dependency-cruiser 17 — the last major that runs on Node 20 — can load, so the
 * TypeScript sources are parsed with swc. swc reads the source before types are erased, so
 * `import type` and `export type … from` count as dependencies: that is what
 * tsPreCompilationDeps: true asks for (the type-only cycle pipeline/manifest.ts ↔ types.ts that
 * this check found was invisible to a post-compilation view).
 */

/** @type {Array<{ name: string; paths: string[]; holds: string }>} bottom → top */
const LAYERS = [
  { name: "errors", paths: ["src/errors.ts"], holds: "error classes shared by everything (exit codes)" },
  { name: "util", paths: ["src/util"], holds: "generic helpers: atomic files, locks, paths, logging, threads, hashing, formatting" },
  {
    name: "formats",
    paths: ["src/formats"],
    holds: "file formats, byte-exact: safetensors, GGUF, MXFP4, floats, tokenizer, CSV, ZIP",
  },
  {
    name: "platform",
    paths: ["src/arch", "src/ggml", "src/hub"],
    holds: "model family knowledge (gpt-oss), llama.cpp over FFI, Hugging Face transfer",
  },
  {
    name: "pipeline",
    paths: ["src/pipeline"],
    holds: "stage contract, YAML loaders, build engine, cache, manifest — knows no engine or stage",
  },
  {
    name: "engines-1",
    paths: ["src/convert", "src/eval", "src/synth", "src/vram", "src/inspect", "src/publish"],
    holds: "engines that build only on the layers below",
  },
  { name: "engines-2", paths: ["src/quant", "src/calib"], holds: "quant reuses convert's encoder; calib reads eval's CMMLU prompts" },
  { name: "engines-3", paths: ["src/awq", "src/prune"], holds: "awq and prune run on calib; awq writes through quant and convert" },
  { name: "stages", paths: ["src/stages"], holds: "thin stage adapters and the stage list handed to the pipeline loader" },
  { name: "plan", paths: ["src/plan"], holds: "variant planning: reads pipelines and stage definitions" },
  { name: "cli", paths: ["src/cli"], holds: "commander commands (top)" },
];

/** The engines, for the rules that name them. */
const ENGINES = ["convert", "synth", "quant", "calib", "eval", "vram", "prune", "awq", "inspect", "publish"];

/** Files that may import from any layer (still checked for cycles). */
const TESTS = ["\\.test\\.ts$", "^test/", "^bench/"];


const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** A folder matches everything under it; a file matches itself. */
const pathRe = (p) => (p.endsWith(".ts") ? `^${escapeRe(p)}$` : `^${escapeRe(p)}/`);
const anyOf = (paths) => paths.map(pathRe).join("|");

const layerRules = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer.name}`,
  comment: `${layer.paths.join(", ")} is layer ${i + 1} of ${LAYERS.length}: it may not import from a higher layer (order in .dependency-cruiser.cjs)`,
  severity: "error",
  from: { path: anyOf(layer.paths), pathNot: TESTS },
  to: { path: anyOf(LAYERS.slice(i + 1).flatMap((l) => l.paths)) },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: "engine-not-stage-or-cli",
      comment: "engines are called by stages and commands, never the other way round",
      severity: "error",
      from: { path: anyOf(ENGINES.map((e) => `src/${e}`)), pathNot: TESTS },
      to: { path: anyOf(["src/stages", "src/plan", "src/cli"]) },
    },
    {
      name: "pipeline-not-engine-or-stage",
      comment: "the pipeline runs stages it is handed (src/stages/index.ts); it imports no engine, stage, plan or command",
      severity: "error",
      from: { path: anyOf(["src/pipeline"]), pathNot: TESTS },
      to: { path: anyOf([...ENGINES, "stages", "plan", "cli"].map((e) => `src/${e}`)) },
    },
    {
      name: "no-circular",
      comment: "no import cycles, type-only imports included",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      comment: "every import resolves (an unresolved import would silently drop an edge from the checks above)",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    parser: "swc",
    tsConfig: { fileName: "tsconfig.check.json" },
    doNotFollow: { path: "node_modules" },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};

// For scripts/docs-layers.mjs (the table in docs/architecture.md); not enumerable, so dependency-cruiser's
// config validation does not see it.
Object.defineProperty(module.exports, "LAYERS", { value: LAYERS, enumerable: false });
