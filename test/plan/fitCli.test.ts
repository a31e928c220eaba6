/**
 * `oss-prep fit` and `oss-prep build --fit` through the built CLI, offline: the answer for a card, a
 * card where nothing fits, and a build of fit's choice on the demo model (planned on the demo's own
 * shapes) whose manifest and model card carry the request and the llama.cpp command line.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli.js";
import { cmmluDir } from "../shared.js";

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "oss-prep-fit-"));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("oss-prep fit", () => {
  it("answers for a 12 GB card: the pick, why, its llama-server line, and a ranked table", async () => {
    const r = await runCli(["fit", "--gpus", "1x12GB", "--ctx", "8192"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^gpt-oss-20b on 1x12GB: 8,192 tokens of context × 1 sequence, prefer quality\./);
    expect(r.stdout).toMatch(/Best: MXFP4_MOE \(MXFP4 experts\), KV f16/);
    expect(r.stdout).toMatch(/run: llama-server -m <model\.gguf> -c 8192 -np 1 --kv-unified -ngl 999 -fa on -ub 512 -fit off (--n-cpu-moe \d+ )?--jinja/);
    expect(r.stdout).toMatch(/\| 1 \| MXFP4_MOE, KV f16 \|/);
    expect(r.stdout).toContain("Decode time is a stated model");
  });

  it("--json: every fitting candidate ranked, each with its plan, placement and measured costs", async () => {
    const r = await runCli(["fit", "--gpus", "1x16GB", "--model", "gpt-oss-120b", "--ram", "64GB", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.model).toBe("gpt-oss-120b");
    expect(result.request.ramMiB).toBe(65536);
    expect(result.ranked.length).toBeGreaterThan(0);
    for (const c of result.ranked) {
      expect(c.plan.host.requiredMiB).toBeLessThanOrEqual(65536);
      expect(c.plan.gpus[0].totalMiB).toBeLessThanOrEqual(16 * 1024);
    }
    expect(result.ranked[0].quality.costs.map((k: { knob: string }) => k.knob).length).toBeGreaterThan(0);
  });

  it("a card where nothing fits: says so with the closest candidate and its shortfall, exit 0", async () => {
    const r = await runCli(["fit", "--gpus", "1x1GB"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Nothing fits.");
    expect(r.stdout).toMatch(/Closest: .* GPU memory short by [\d,]+ MiB/);
  });


});

describe("oss-prep plan that does not fit (issue 17, item 8)", () => {
  it("says what would: the fewest layers' experts on the CPU, a smaller context, and the fit command", async () => {
    const r = await runCli(["plan", "--variant", "gguf-q5", "--gpus", "1x8GB", "--ctx", "8192"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Does not fit: [\d,]+ MiB short/);
    const n = Number(/It would fit with --n-cpu-moe (\d+): [\d,]+ MiB on the fullest GPU/.exec(r.stdout)?.[1]);
    expect(n).toBeGreaterThan(0);
    // the same answer fit gives for this variant's placement, and the plan at N really fits
    const at = await runCli(["plan", "--variant", "gguf-q5", "--gpus", "1x8GB", "--ctx", "8192", "--n-cpu-moe", String(n), "--json"]);
    expect(JSON.parse(at.stdout).fits).toBe(true);
    const before = await runCli(["plan", "--variant", "gguf-q5", "--gpus", "1x8GB", "--ctx", "8192", "--n-cpu-moe", String(n - 1), "--json"]);
    expect(JSON.parse(before.stdout).fits).toBe(false);
    expect(r.stdout).toContain("oss-prep fit --gpus 1x8GB --ctx 8192 --parallel 1");
    // a smaller context is offered where it alone makes the difference
    const ctx = await runCli(["plan", "--variant", "gguf-q5", "--gpus", "1x12GB", "--ctx", "131072", "--json"]);
    const suggestions = JSON.parse(ctx.stdout).suggestions as Array<{ change: string }>;
    expect(suggestions.map((s) => s.change.split(" ")[0])).toContain("--ctx");
  });
});

describe("oss-prep build --fit (demo model, offline)", () => {
  it("builds fit's choice for the demo's own shapes; the manifest and the card record the request and the command line", async () => {
    const out = join(home, "build");
    const env = { OSS_PREP_NVIDIA_SMI: join(home, "no-nvidia-smi") };
    // 725 MiB: the runtime's 709 MiB leave room for the demo only with some experts on the CPU
    const args = ["build", "--fit", "1x725MiB", "--ctx", "1024", "--model", "demo", "--work-dir", join(home, "work"), "-o", out, "--cmmlu-dir", cmmluDir(), "--subjects", "anatomy", "--per-subject", "2", "--json"];
    const r = await runCli(args, { env });
    expect(r.code, r.stderr).toBe(0);
    const manifest = JSON.parse(r.stdout);
    expect(manifest.variant).toBe("fit-1x725MiB-1024x1");
    expect(manifest.fit).toMatchObject({ request: { gpus: "1x725MiB", ctx: 1024, parallel: 1, prefer: "quality" }, quantType: "MXFP4_MOE", experts: "keep" });
    expect(manifest.fit.cpuMoeLayers).toBeGreaterThan(0);
    expect(manifest.fit.commandLine).toBe(`llama-server -m demo-MXFP4_MOE.gguf -c 1024 -np 1 --kv-unified -ngl 999 -fa on -ub 512 -fit off --n-cpu-moe ${manifest.fit.cpuMoeLayers} --jinja`);
    const quantize = manifest.stages.find((s: { stage: string }) => s.stage === "quantize");
    expect(quantize.outputs[0].path).toBe("demo-MXFP4_MOE.gguf");
    // the vram stage asks for the same placement (skipped here: no GPU)
    expect(manifest.skipped.map((s: { id: string }) => s.id)).toContain("vram");
    const pipeline = readFileSync(join(home, "work", "fit", "fit-1x725MiB-1024x1.yaml"), "utf8");
    expect(pipeline).toMatch(/n_cpu_moe: \d+/);
    // cached like any other build
    const again = await runCli(args, { env });
    expect(again.code, again.stderr).toBe(0);
    // (the source stage re-checks the generated demo checkpoint every time; the rest come from the cache)
    expect(JSON.parse(again.stdout).stages.filter((s: { stage: string; cached: boolean }) => s.stage !== "source" && !s.cached)).toEqual([]);
    // the card says what was asked and how to serve it
    const card = await runCli(["publish", out, "--repo", "me/demo-fit", "--dry-run"], { env: { HF_HUB_OFFLINE: "1", HF_ENDPOINT: "http://127.0.0.1:9" } });
    expect(card.code, card.stderr).toBe(0);
    expect(card.stdout).toContain("## Chosen to fit");
    expect(card.stdout).toMatch(/llama-server --hf-repo me\/demo-fit --hf-file demo-MXFP4_MOE\.gguf -c 1024 -np 1 --kv-unified -ngl 999 -fa on -ub 512 -fit off --n-cpu-moe \d+ --jinja/);
  });


});
