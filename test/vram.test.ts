/**
 * `oss-prep vram`, `oss-prep plan` and the `vram` stage through the built CLI, on a machine without a
 * GPU: a stand-in nvidia-smi (test/fixtures/vram/fake-nvidia-smi.mjs) and a stand-in llama-server
 * (mock-llama-server.mjs) drive the whole phase machinery; without nvidia-smi the command says so.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageRoot } from "../src/util/paths.js";
import { runCli } from "./cli.js";
import { tinyFixtureDir } from "./shared.js";

const fixtures = join(packageRoot(), "test", "fixtures", "vram");
const fakeSmi = join(fixtures, "fake-nvidia-smi.mjs");
const mockServer = `${process.execPath} ${join(fixtures, "mock-llama-server.mjs")} -m {model} --port {port} -c {ctx} -np {parallel}`;

let home: string;
let gguf: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "oss-prep-vram-"));
  gguf = join(home, "tiny-Q8_0.gguf");
  const r = await runCli(["quantize", tinyFixtureDir(), "--type", "Q8_0", "-o", gguf, "--json"]);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("oss-prep vram", () => {
  it("without a GPU: says so and exits non-zero", async () => {
    const r = await runCli(["vram", gguf], { env: { OSS_PREP_NVIDIA_SMI: join(home, "no-such-nvidia-smi") } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^oss-prep: no NVIDIA GPU: .*no-such-nvidia-smi not found/m);
    const broken = await runCli(["vram", gguf], { env: { OSS_PREP_NVIDIA_SMI: fakeSmi, FAKE_NVIDIA_SMI_FAIL: "1" } });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/no usable NVIDIA GPU: .*couldn't communicate with the NVIDIA driver/);
  });

  it("a GPU index that does not exist is a usage error", async () => {
    const r = await runCli(["vram", gguf, "--gpus", "3"], { env: { OSS_PREP_NVIDIA_SMI: fakeSmi } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--gpus: no GPU 3/);
  });

  it("two GPUs through a server command: every phase tagged, per-GPU and total columns, llama.cpp's buffers", async () => {
    const out = join(home, "vram-2gpu");
    const r = await runCli(["vram", gguf, "--gpus", "0,1", "--ctx", "4096", "--parallel", "8", "--server", mockServer, "--out", out, "--json"], {
      env: { OSS_PREP_NVIDIA_SMI: fakeSmi, FAKE_NVIDIA_SMI_GPUS: "2" },
    });
    expect(r.code, r.stderr).toBe(0);
    expect((await readdir(out)).sort()).toEqual(["runtime.log", "vram.html", "vram.json", "vram.md"]);
    const report = JSON.parse(readFileSync(join(out, "vram.json"), "utf8"));
    expect(report.phases.map((p: { name: string }) => p.name)).toEqual([
      "baseline", "model-loaded", "context-created", "single-qa", "long-summary", "chat-5-turns", "prompts-10x512", "concurrent-1", "concurrent-4", "concurrent-8",
    ]);
    expect(report.gpus.map((g: { index: number }) => g.index)).toEqual([0, 1]);
    expect(report.runtime).toMatchObject({ kind: "server", name: "llama-server", version: "llama.cpp b0-mock" });
    expect(report.sampling.achievedHz).toBeGreaterThan(5);
    const work = report.phases.filter((p: { workload?: unknown }) => p.workload);
    // exact token counts: 64, 128, 5 × 42, 10 × 32, 1 × 128, 4 × 128, 8 × 128
    expect(work.map((p: { workload: { generatedTokens: number } }) => p.workload.generatedTokens)).toEqual([64, 128, 210, 320, 128, 512, 1024]);
    expect(work.map((p: { workload: { requests: number } }) => p.workload.requests)).toEqual([1, 1, 5, 10, 1, 4, 8]);
    for (const p of report.phases) {
      expect(p.gpus).toHaveLength(2);
      // the stand-in's GPU1 reads 1 MiB more than GPU0 at every poll
      expect(p.total.peakMiB).toBeGreaterThanOrEqual(p.gpus[0].peakMiB);
    }
    // memory only grows in the stand-in trace: phases come out in increasing order
    const steady = report.phases.map((p: { gpus: Array<{ steadyMiB: number }> }) => p.gpus[0].steadyMiB);
    expect([...steady].sort((a, b) => a - b)).toEqual(steady);
    expect(report.breakdown).toContainEqual({ device: "CUDA0", modelMiB: 11000.5, kvMiB: 114, computeMiB: 398.38, outputMiB: 0 });
    const md = readFileSync(join(out, "vram.md"), "utf8");
    expect(md).toContain("| phase | GPU0 | GPU1 | total | latency | tokens/s |");
    expect(md).toMatch(/\| 8 concurrent sequences \(128 \/ 128 each\) \| [\d,]+ \/ [\d,]+ \| [\d,]+ \/ [\d,]+ \| [\d,]+ \/ [\d,]+ \|/);
    const html = readFileSync(join(out, "vram.html"), "utf8");
    expect(html).toContain("<svg");
    expect(html).toContain("concurrent-8");
  });

  it("fewer sequences than 8: the concurrency phases stop at --parallel", async () => {
    const out = join(home, "vram-np2");
    const r = await runCli(["vram", gguf, "--parallel", "2", "--server", mockServer, "--out", out, "--json"], { env: { OSS_PREP_NVIDIA_SMI: fakeSmi } });
    expect(r.code, r.stderr).toBe(0);
    const names = JSON.parse(r.stdout).phases.map((p: { name: string }) => p.name);
    expect(names.slice(-2)).toEqual(["prompts-10x512", "concurrent-1"]);
  });
});

describe("oss-prep vram: placement flags", () => {
  it("--n-cpu-moe, --cache-type and --no-mmap go to the server's command line and into the report", async () => {
    const out = join(home, "vram-cpu-moe");
    const r = await runCli(["vram", gguf, "--parallel", "1", "--n-cpu-moe", "2", "--cache-type", "q8_0", "--no-mmap", "--server", mockServer, "--out", out, "--json"], {
      env: { OSS_PREP_NVIDIA_SMI: fakeSmi },
    });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(out, "vram.json"), "utf8"));
    expect(report.runtime.command).toMatch(/ -np 1 --n-cpu-moe 2 --cache-type-k q8_0 --cache-type-v q8_0 --no-mmap$/);
    expect(report.settings).toMatchObject({ cpuMoeLayers: 2, cacheTypeK: "q8_0", cacheTypeV: "q8_0", mmap: false });
  });

  it("usage errors: experts on the CPU without a server (node-llama-cpp cannot), or a flag given twice", async () => {
    const noServer = await runCli(["vram", gguf, "--n-cpu-moe", "2"], { env: { OSS_PREP_NVIDIA_SMI: fakeSmi } });
    expect(noServer.code).toBe(2);
    expect(noServer.stderr).toMatch(/--n-cpu-moe: node-llama-cpp cannot keep experts on the CPU/);
    const twice = await runCli(["vram", gguf, "--n-cpu-moe", "2", "--server", `${mockServer} -ncmoe 4`], { env: { OSS_PREP_NVIDIA_SMI: fakeSmi } });
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/--server: the command already places what --n-cpu-moe sets \(-ncmoe\)/);
  });
});

describe("oss-prep plan", () => {
  it("--n-cpu-moe: gpt-oss-20b Q5_K_M on one 8 GB card with 12 layers' experts in host memory", async () => {
    const r = await runCli(["plan", "--variant", "gguf-q5", "--gpus", "1x8GB", "--ctx", "8192", "--n-cpu-moe", "12", "--cache-type", "q8_0", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.fits).toBe(true);
    expect(plan.host).toMatchObject({ expertLayers: [0, 11], modelBuffer: { name: "CPU_Mapped" } });
    expect(plan.settings).toMatchObject({ cpuMoeLayers: 12, cacheTypeK: "q8_0", cacheTypeV: "q8_0", mmap: true, pipelineParallel: false });
    expect(plan.command).toBe("llama-server -m <model.gguf> -c 8192 -np 1 --kv-unified -ngl 999 -fa on -ub 512 -fit off --n-cpu-moe 12 --cache-type-k q8_0 --cache-type-v q8_0");
    const text = await runCli(["plan", "--variant", "gguf-q5", "--gpus", "1x8GB", "--ctx", "8192", "--n-cpu-moe", "12", "--no-mmap"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/experts of layers 0–11 on the CPU \(--n-cpu-moe 12\)/);
    expect(text.stdout).toMatch(/CUDA_Host model buffer of [\d,]+ MiB \(pinned\)/);
    const nodeLlama = await runCli(["plan", "--variant", "gguf-q5", "--gpus", "1x8GB", "--n-cpu-moe", "12", "--runtime", "node-llama-cpp"]);
    expect(nodeLlama.code).toBe(2);
  });


  it("works without a GPU or weights: per-GPU estimate and the verdict", async () => {
    const r = await runCli(["plan", "--variant", "gguf-q5", "--gpus", "2x24GB", "--ctx", "32768", "--parallel", "8", "--json"], { env: { OSS_PREP_NVIDIA_SMI: join(home, "none") } });
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.model).toBe("gpt-oss-20b, gguf-q5 (Q5_K_M, experts keep)");
    expect(plan.fits).toBe(true);
    expect(plan.gpus.map((g: { weightsMiB: number }) => g.weightsMiB.toFixed(2))).toEqual(["5503.71", "5244.23"]);
    const text = await runCli(["plan", "--variant", "gguf-mxfp4", "--gpus", "1x11GB", "--ctx", "4096"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Does not fit: [\d,]+ MiB short on the fullest GPU\./);
  });

  it("usage errors: no variant for a model, a bad --gpus", async () => {
    const noVariant = await runCli(["plan", "--gpus", "1x24GB"]);
    expect(noVariant.code).toBe(2);
    expect(noVariant.stderr).toMatch(/--variant is required/);
    const badGpus = await runCli(["plan", "--variant", "gguf-q5", "--gpus", "lots"]);
    expect(badGpus.code).toBe(2);
  });

  it("a GGUF file: types from its header", async () => {
    const r = await runCli(["plan", "--model", gguf, "--gpus", "1x1GB", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).gpus[0].layers).toEqual([0, 7]);
  });
});

describe("stage vram", () => {
  it("measure mode without a GPU fails the build instead of recording a fake measurement", async () => {
    const r = await runCli(["build", "--variant", "gguf-q5-vram", "--model", tinyFixtureDir(), "--work-dir", join(home, "work"), "--out", join(home, "out-measure")], {
      env: { OSS_PREP_NVIDIA_SMI: join(home, "none") },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no NVIDIA GPU/);
    expect(existsSync(join(home, "out-measure", "manifest.json"))).toBe(false);
  });

  it("measure mode with a (stand-in) GPU and server: the phase table lands in the manifest", async () => {
    const pipeline = join(home, "q8-vram.yaml");
    await writeFile(pipeline, `name: q8-vram\nstages:\n  - stage: source\n  - stage: quantize\n    with: { type: Q8_0 }\n  - stage: vram\n    with: { ctx: 2048, parallel: 4, server: "${mockServer}" }\n`);
    const r = await runCli(["build", "--variant", pipeline, "--model", tinyFixtureDir(), "--work-dir", join(home, "work"), "--out", join(home, "out-q8"), "--json"], {
      env: { OSS_PREP_NVIDIA_SMI: fakeSmi },
    });
    expect(r.code, r.stderr).toBe(0);
    const vram = JSON.parse(r.stdout).stages.find((s: { id: string }) => s.id === "vram");
    expect(vram.summary).toMatchObject({ mode: "measure", runtime: "llama.cpp b0-mock", ctx: 2048, parallel: 4 });
    expect(vram.summary.phases.map((p: { phase: string }) => p.phase)).toContain("4 concurrent sequences (128 / 128 each)");
    expect(vram.outputs[0].files.map((f: { path: string }) => f.path).sort()).toEqual(["runtime.log", "vram.html", "vram.json", "vram.md"]);
    // the build's reports are published with it: they name the model file, not this machine's directories
    for (const name of ["vram.json", "vram.md", "vram.html", "runtime.log"]) expect(readFileSync(join(home, "out-q8", "vram", name), "utf8"), name).not.toContain(join(home, "work"));
  });

  it("plan mode: the estimate for each GPU setup, anywhere", async () => {
    const pipeline = join(home, "q5-plan.yaml");
    await writeFile(pipeline, "name: q5-plan\nstages:\n  - stage: source\n  - stage: quantize\n    with: { type: Q5_K_M }\n  - stage: vram\n    with: { mode: plan, gpus: [1x1GB, 2x1GB], ctx: 4096 }\n");
    const r = await runCli(["build", "--variant", pipeline, "--model", tinyFixtureDir(), "--work-dir", join(home, "work"), "--out", join(home, "out-plan"), "--json"], {
      env: { OSS_PREP_NVIDIA_SMI: join(home, "none") },
    });
    expect(r.code, r.stderr).toBe(0);
    const vram = JSON.parse(r.stdout).stages.find((s: { id: string }) => s.id === "vram");
    expect(vram.summary.mode).toMatch(/^plan/);
    expect(vram.summary.estimates.map((e: { gpus: string; fits: string }) => [e.gpus, e.fits])).toEqual([["1x1GB", "yes"], ["2x1GB", "yes"]]);
  });

  it("plan mode with experts on the CPU: n_cpu_moe from the pipeline file", async () => {
    const pipeline = join(home, "q5-plan-cpu-moe.yaml");
    await writeFile(pipeline, "name: q5-plan-cpu-moe\nstages:\n  - stage: source\n  - stage: quantize\n    with: { type: Q5_K_M }\n  - stage: vram\n    with: { mode: plan, gpus: [1x1GB], ctx: 4096, n_cpu_moe: 3, cache_type: q8_0 }\n");
    const r = await runCli(["build", "--variant", pipeline, "--model", tinyFixtureDir(), "--work-dir", join(home, "work"), "--out", join(home, "out-plan-cpu-moe"), "--json"], {
      env: { OSS_PREP_NVIDIA_SMI: join(home, "none") },
    });
    expect(r.code, r.stderr).toBe(0);
    const vram = JSON.parse(r.stdout).stages.find((s: { id: string }) => s.id === "vram");
    expect(vram.summary).toMatchObject({ "experts on the CPU": "layers 0–2 (--n-cpu-moe 3)", "KV cache type": "q8_0" });
    expect(vram.summary.estimates[0]["host weights MiB"]).toBeGreaterThan(0);
  });

  it("bad parameters name the key", async () => {
    const pipeline = join(home, "bad.yaml");
    await writeFile(pipeline, "name: bad\nstages:\n  - stage: source\n  - stage: quantize\n    with: { type: Q5_K_M }\n  - stage: vram\n    with: { gpus: first }\n");
    const r = await runCli(["build", "--variant", pipeline, "--model", tinyFixtureDir(), "--work-dir", join(home, "work")]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/stages\[2\]\.with\.gpus: expected "all" or GPU indices/);
  });
});
