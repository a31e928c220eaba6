/**
 * Issue 16, item 3 and the checkpoint part of the fault suite: a checkpoint missing a tensor the
 * architecture needs (here the MXFP4 scales or blocks of one layer's experts), or holding one of the
 * wrong dtype, is refused by every command that reads it — exit 1, one line naming the file and the
 * tensor — before an output exists.
 */
import { mkdirSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli.js";
import { tinyFixtureDir } from "../shared.js";
import { copyCheckpoint } from "./corruptCheckpoint.js";

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "oss-prep-ckpt-faults-"));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

const experts = (layer: number, tensor: string) => `model.layers.${layer}.mlp.experts.${tensor}`;

const CASES: Array<{ name: string; drop?: string[]; dtype?: { tensor: string; to: string }; expect: string }> = [
  { name: "down-scales", drop: [experts(0, "down_proj_scales")], expect: `model.layers.0.mlp.experts.down_proj_scales: missing tensor` },
  { name: "gate-up-scales", drop: [experts(3, "gate_up_proj_scales")], expect: `model.layers.3.mlp.experts.gate_up_proj_scales: missing tensor` },
  { name: "down-blocks-and-scales", drop: [experts(7, "down_proj_blocks"), experts(7, "down_proj_scales")], expect: `model.layers.7.mlp.experts.down_proj_blocks: missing tensor` },
  { name: "scales-as-f32", dtype: { tensor: experts(1, "down_proj_scales"), to: "F32" }, expect: `model.layers.1.mlp.experts.down_proj_scales` },
];

describe("checkpoints missing what gpt-oss needs are refused by convert, quantize and build", () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const dir = join(home, c.name);
      mkdirSync(dir);
      copyCheckpoint({
        src: tinyFixtureDir(),
        dst: dir,
        drop: c.drop,
        edit: c.dtype
          ? (name, entry, bytes) => {
              if (name !== c.dtype!.tensor) return undefined;
              // same bytes read as a quarter as many F32 values: the header stays self-consistent
              return { entry: { ...entry, dtype: c.dtype!.to, shape: [...entry.shape.slice(0, -1), entry.shape.at(-1)! / 4] }, bytes };
            }
          : undefined,
      });
      const out = join(home, `${c.name}-out`);
      mkdirSync(out);
      for (const args of [
        ["convert", dir, "-o", join(out, "x.gguf")],
        ["quantize", dir, "--type", "Q8_0", "-o", join(out, "x-q8.gguf")],
        ["build", "--variant", "gguf-q8", "--model", dir, "--work-dir", join(home, `${c.name}-work`), "--out", join(out, "build")],
      ]) {
        const r = await runCli(args);
        expect(r.code, `${args[0]}: ${r.stderr}`).toBe(1);
        const errors = r.stderr.split("\n").filter((l) => l.startsWith("oss-prep:") || l.includes("✖"));
        expect(errors.length, r.stderr).toBeGreaterThan(0);
        expect(r.stderr).toContain(c.expect);
        expect(r.stderr).toContain(dir);
      }
      expect(readdirSync(out)).toEqual([]);
    });
  }
});

describe("NaN and infinite weights are refused by every quantizing command (issue 16, item 5)", () => {
  const tensor = "model.layers.2.self_attn.q_proj.weight";
  for (const [label, bits] of [["NaN", 0x7fc0], ["+Inf", 0x7f80], ["-Inf", 0xff80]] as const) {
    it(`${label} in ${tensor}`, async () => {
      const dir = join(home, `nonfinite-${label}`);
      mkdirSync(dir);
      copyCheckpoint({
        src: tinyFixtureDir(),
        dst: dir,
        edit: (name, entry, bytes) => {
          if (name !== tensor) return undefined;
          expect(entry.dtype).toBe("BF16");
          bytes.writeUInt16LE(bits, 2 * (5 * entry.shape[1] + 7)); // row 5, column 7
          return { entry, bytes };
        },
      });
      const out = join(home, `nonfinite-${label}-out`);
      mkdirSync(out);
      for (const args of [
        ["quantize", dir, "--type", "Q8_0", "-o", join(out, "q8.gguf")],
        ["quantize", dir, "--type", "Q5_K_M", "-o", join(out, "q5.gguf")],
      ]) {
        const r = await runCli(args);
        expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(1);
        expect(r.stderr).toContain(`${tensor}: row 5 holds a NaN or infinite value`);
      }
      const awq = await runCli(["awq", dir, "-o", join(out, "awq"), "--samples", "1", "--seqlen", "16", "--engine", "ts"]);
      expect(awq.code, awq.stderr).toBe(1);
      expect(awq.stderr).toMatch(/not finite|NaN|infinite/);
      // item 12: the output folder awq created is gone again
      expect(readdirSync(out)).toEqual([]);
    });
  }
});
