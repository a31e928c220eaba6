/**
 * Issue 16, item 12 (signals): Ctrl-C or SIGTERM while convert or quantize writes leaves no temporary
 * file and no output behind, says it stopped, and exits 130.
 */
import { readdirSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli.js";
import { tinyFixtureDir } from "../shared.js";

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "oss-prep-signals-"));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("interrupted writers clean up", () => {
  for (const [command, signal] of [["convert", "SIGINT"], ["quantize", "SIGTERM"]] as const) {
    it(`${command}, ${signal} while the temporary file is being written`, async () => {
      const out = join(home, `${command}-${signal}`);
      await mkdir(out);
      const target = join(out, "model.gguf");
      const args = command === "convert" ? ["convert", tinyFixtureDir(), "--outtype", "f32", "-o", target] : ["quantize", tinyFixtureDir(), "--type", "Q5_K_M", "-o", target];
      let sawTemporary = false;
      const result = await runCli(args, {
        // one thread: slow enough to catch the temporary file
        env: { OSS_PREP_THREADS: "1", UV_THREADPOOL_SIZE: "1" },
        onSpawn: (child) => {
          const poll = setInterval(() => {
            if (readdirSync(out).some((f) => f.includes(".tmp-"))) {
              sawTemporary = true;
              clearInterval(poll);
              child.kill(signal);
            }
          }, 1);
          child.once("exit", () => clearInterval(poll));
        },
      });
      expect(sawTemporary, "the run finished before its temporary file was seen").toBe(true);
      expect(result.code, result.stderr).toBe(130);
      expect(result.stderr).toContain(`oss-prep: ${signal} received, stopping`);
      expect(readdirSync(out)).toEqual([]);
    });
  }
});
