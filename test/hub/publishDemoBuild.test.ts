/**
 * Issue 17's acceptance, end to end through the built CLI: `oss-prep build --variant gguf-q5 --model
 * demo` (the real pipeline file, eval on a small CMMLU subset, no GPU so no VRAM stage), then
 * `oss-prep publish` of that build to the local Hub, and the same card previewed fully offline.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli.js";
import { cmmluDir } from "../shared.js";
import { temporaryDir } from "./fixtures.js";
import { type HubServer, startHubServer } from "./hubServer.js";

const TOKEN = "hf_demopublishtoken00000000000000";
const REPO = "alice/demo-gguf-q5";

let scratch: { path: string; remove(): Promise<void> };
let hub: HubServer;
let buildDir: string;
let manifest: { stages: Array<{ id: string; stage: string; skipped?: unknown; outputs: Array<{ path: string; files: Array<{ path: string }> }> }> };

const env = (extra: Record<string, string> = {}) => ({
  HF_ENDPOINT: hub.url,
  HF_HUB_CACHE: join(scratch.path, "hf-cache"),
  HF_HOME: join(scratch.path, "hf-home"),
  HF_TOKEN: "",
  HF_HUB_OFFLINE: "",
  OSS_PREP_HOME: join(scratch.path, "work"),
  // no GPU here: the vram stage must be skipped for that reason, whatever the machine has
  OSS_PREP_NVIDIA_SMI: join(scratch.path, "no-nvidia-smi"),
  ...extra,
});

/** Markdown tables: a header row, a `|---|` rule, then rows with as many cells. */
function markdownTables(body: string): string[][][] {
  const tables: string[][][] = [];
  const lines = body.split("\n");
  const cells = (line: string) => line.trim().replace(/^\||\|$/g, "").split("|").map((c) => c.trim());
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i].trimStart().startsWith("|") || !/^\s*\|(\s*:?-{3,}:?\s*\|)+\s*$/.test(lines[i + 1])) continue;
    const table = [cells(lines[i])];
    let j = i + 2;
    for (; j < lines.length && lines[j].trimStart().startsWith("|"); j++) table.push(cells(lines[j]));
    tables.push(table);
    i = j;
  }
  return tables;
}

beforeAll(async () => {
  scratch = await temporaryDir("oss-prep-publish-demo-");
  hub = await startHubServer({ tokens: { [TOKEN]: "alice" }, lifetimeMs: 900_000 });
  buildDir = join(scratch.path, "build");
  const build = await runCli(
    ["build", "--variant", "gguf-q5", "--model", "demo", "-o", buildDir, "--cmmlu-dir", cmmluDir(), "--subjects", "anatomy", "college_law", "--per-subject", "4", "--json"],
    { env: env() },
  );
  expect(build.code, build.stderr).toBe(0);
  manifest = JSON.parse(build.stdout);
}, 900_000);
afterAll(async () => {
  await hub?.close();
  if (!process.env.KEEP_SCRATCH) await scratch?.remove();
});

describe("a built gguf-q5 demo published to the Hub (issue 17)", () => {
  it("uploads the Q5_K_M GGUF, the reports, the manifest and the card, never the BF16 baseline; the card is Hub-valid and readable", async () => {
    const r = await runCli(["publish", buildDir, "--repo", REPO, "--json"], { env: env({ HF_TOKEN: TOKEN }) });
    expect(r.code, r.stderr).toBe(0);
    const files = hub.repoFiles(REPO)!;
    const names = [...files.keys()].sort();
    const quantized = manifest.stages.find((s) => s.id === "quantize")!.outputs[0].path;
    const baseline = manifest.stages.find((s) => s.id === "baseline")!.outputs[0].path;
    expect(quantized).toMatch(/Q5_K_M\.gguf$/);
    expect(names).toContain(quantized);
    expect(names).not.toContain(baseline);
    expect(names.filter((n) => n.endsWith(".gguf"))).toEqual([quantized]);
    expect(names).toEqual(expect.arrayContaining(["README.md", "manifest.json"]));
    // the eval stage's reports go with it (what the card's numbers come from)
    expect(names.some((n) => n.startsWith("eval/") && n.endsWith(".json"))).toBe(true);
    expect(Buffer.compare(files.get(quantized)!, readFileSync(join(buildDir, quantized)))).toBe(0);

    const readme = files.get("README.md")!.toString();
    const [, frontMatter, body] = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(readme)!;
    const meta = parseYaml(frontMatter) as Record<string, unknown>;
    // front matter the Hub accepts: known keys, a license id, list-valued tags, a model-index it parses
    for (const key of Object.keys(meta)) {
      expect(["license", "tags", "pipeline_tag", "library_name", "base_model", "base_model_relation", "quantized_by", "model-index", "datasets", "language"]).toContain(key);
    }
    expect(meta.license).toBe("apache-2.0");
    expect(Array.isArray(meta.tags) && (meta.tags as unknown[]).every((t) => typeof t === "string")).toBe(true);
    // random demo weights come from no Hub model: claiming one would be false provenance
    expect(meta.base_model).toBeUndefined();
    expect(meta.base_model_relation).toBeUndefined();
    const index = meta["model-index"] as Array<{ name: string; results: Array<{ task: { type: string }; dataset: { name: string; type: string }; metrics: Array<{ type: string; value: number }> }> }>;
    expect(index).toHaveLength(1);
    const metric = index[0].results[0].metrics[0];
    expect(metric.type).toBe("accuracy");
    expect(metric.value).toBeGreaterThanOrEqual(0);
    expect(metric.value).toBeLessThanOrEqual(100);

    // the run line names the file this repository serves
    expect(body).toContain(`--hf-repo ${REPO} --hf-file ${quantized}`);
    expect(body).not.toContain(`--hf-file ${baseline}`);
    // the recipe is the product's lineage; the BF16 baseline appears only as the eval's comparison
    expect(body).not.toContain("Stage `baseline`");
    expect(body.split("\n").filter((l) => l.includes(baseline)).every((l) => /baseline/.test(l.replace(baseline, "")))).toBe(true);
    // eval as real Markdown tables, with percentages; no fenced text blocks standing in for tables
    const tables = markdownTables(body);
    expect(tables.length).toBeGreaterThanOrEqual(2);
    for (const table of tables) for (const row of table) expect(row.length).toBe(table[0].length);
    expect(tables.some((t) => t.some((row) => row.some((cell) => /^\d+(\.\d)?%/.test(cell))))).toBe(true);
    expect(body).not.toMatch(/```text/);
    expect(body).not.toMatch(/\{"/);
    // no local path of this machine anywhere in the card
    for (const local of [scratch.path, buildDir, cmmluDir(), process.cwd(), process.env.HOME ?? "/root"]) expect(readme).not.toContain(local);
    expect(readme).not.toMatch(/(^|[\s(`"'])\/(tmp|home|root|work|Users)\//m);
    // nor in any published file: the manifest and the eval reports name files, not this machine's directories
    for (const [name, data] of files) {
      if (name.endsWith(".gguf")) continue;
      const text = data.toString();
      for (const local of [scratch.path, cmmluDir()]) expect(text, name).not.toContain(local);
    }
    // the skipped VRAM stage says why, in words
    expect(body).toMatch(/VRAM[\s\S]*no (NVIDIA )?GPU/i);
  });

  it("publish --dry-run with HF_HUB_OFFLINE=1 prints the same card and the file list, exit 0", async () => {
    const r = await runCli(["publish", buildDir, "--repo", REPO, "--dry-run"], { env: env({ HF_HUB_OFFLINE: "1", HF_ENDPOINT: "http://127.0.0.1:9" }) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("README.md (model card):");
    expect(r.stdout).toMatch(/would upload .*Q5_K_M\.gguf/);
    expect(r.stdout).not.toMatch(/would upload .*BF16\.gguf/);
    expect(r.stdout).toContain(`--hf-file ${manifest.stages.find((s) => s.id === "quantize")!.outputs[0].path}`);
  });
});
