import { describe, expect, it } from "vitest";
import { redactLocalPaths } from "./redactLocalPaths.js";

describe("redactLocalPaths", () => {
  it("absolute paths become …/<name>, anywhere in the value; URLs, relative paths and other values stay", () => {
    expect(
      redactLocalPaths({
        model: { path: "/home/me/.cache/oss-prep/stages/quantize/ab12/demo-Q5_K_M.gguf", file: "demo-Q5_K_M.gguf" },
        dirs: ["/work/shared/cmmlu", "C:\\Users\\me\\cmmlu", "eval/eval.json"],
        endpoint: "https://huggingface.co/x",
        n: 3,
        ok: true,
        none: null,
        text: "Q5_K_M from checkpoint /tmp/w/models/synth-demo-seed0, experts: keep; see https://huggingface.co/a/b (ratio 3/4)",
      }),
    ).toEqual({
      model: { path: "…/demo-Q5_K_M.gguf", file: "demo-Q5_K_M.gguf" },
      dirs: ["…/cmmlu", "…/cmmlu", "eval/eval.json"],
      endpoint: "https://huggingface.co/x",
      n: 3,
      ok: true,
      none: null,
      text: "Q5_K_M from checkpoint …/synth-demo-seed0, experts: keep; see https://huggingface.co/a/b (ratio 3/4)",
    });
  });
});
