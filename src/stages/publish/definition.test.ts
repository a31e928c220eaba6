import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPipelineSpecFile } from "../../pipeline/pipelineSpec.js";
import { STAGES } from "../index.js";

const dir = mkdtempSync(join(tmpdir(), "oss-prep-publish-spec-"));
function pipeline(body: string): string {
  const file = join(dir, `p${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, `name: t\nstages:\n${body}`);
  return file;
}

describe("publish and download stages in pipeline files", () => {
  it("wires publish to the nearest GGUF (and eval/vram when present); download stands for source", async () => {
    const spec = await loadPipelineSpecFile(
      pipeline("  - stage: download\n  - stage: convert\n  - stage: publish\n    with:\n      repo: me/gpt-oss-20b-gguf\n      private: true\n"), STAGES);
    expect(spec.stages.map((s) => s.definition.name)).toEqual(["download", "convert", "publish"]);
    expect(spec.stages[1].inputs).toEqual({ checkpoint: "download" });
    expect(spec.stages[2].inputs).toEqual({ gguf: "convert" });
    expect(spec.stages[2].params).toEqual({ repo: "me/gpt-oss-20b-gguf", private: true, dryRun: false });
    expect(spec.stages[0].definition.alwaysRun).toBe(true);
  });

  it("names the file and key of a bad parameter", async () => {
    // no repo in the file is allowed (`build --publish-to` gives it); the stage then refuses to run
    const missing = await loadPipelineSpecFile(pipeline("  - stage: source\n  - stage: convert\n  - stage: publish\n"), STAGES);
    expect(missing.stages[2].params).toEqual({ repo: undefined, private: false, dryRun: false });
    const bad = pipeline("  - stage: source\n  - stage: convert\n  - stage: publish\n    with:\n      repo: not-a-repo\n");
    await expect(loadPipelineSpecFile(bad, STAGES)).rejects.toThrow(`${bad}: stages[2].with.repo: expected org/name, got "not-a-repo"`);
    const token = pipeline("  - stage: source\n  - stage: convert\n  - stage: publish\n    with:\n      repo: a/b\n      token: hf_x\n");
    await expect(loadPipelineSpecFile(token, STAGES)).rejects.toThrow(/stages\[2\].with.token: unknown key/);
    const noGguf = pipeline("  - stage: source\n  - stage: publish\n    with:\n      repo: a/b\n");
    await expect(loadPipelineSpecFile(noGguf, STAGES)).rejects.toThrow(/stage publish needs a gguf input and no earlier stage produces one/);
  });
});
