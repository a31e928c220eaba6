import { describe, expect, it } from "vitest";
import { createPassClock, formatProgress } from "./progress.js";

describe("formatProgress", () => {
  it("every unit gets a rate and an ETA once there is something to measure", () => {
    expect(formatProgress({ done: 30, total: 120, unit: "questions" }, 10)).toBe("30/120 questions  25.0%  3.0 questions/s  ETA 30.0 s");
    expect(formatProgress({ done: 3, total: 24, unit: "layers" }, 60)).toBe("3/24 layers  12.5%  20.0 s per layer  ETA 7 min 0 s");
    // nothing measured yet: no made-up rate
    expect(formatProgress({ done: 0, total: 24, unit: "layers" }, 5)).toBe("0/24 layers  0.0%");
  });

  it("a pass that counts from zero again says which pass it is", () => {
    const line = formatProgress({ done: 10, total: 40, unit: "questions", pass: { index: 1, count: 3, name: "cmmlu (baseline)" } }, 5);
    expect(line).toBe("pass 2/3 (cmmlu (baseline))  10/40 questions  25.0%  2.0 questions/s  ETA 15.0 s");
    // a single pass needs no label
    expect(formatProgress({ done: 1, total: 2, pass: { index: 0, count: 1, name: "only" } }, 0)).toBe("1/2  50.0%");
  });

  it("the pass clock restarts with each pass, so a pass's ETA is of that pass", () => {
    let t = 0;
    const clock = createPassClock(() => t);
    const pass = (index: number) => ({ done: 1, pass: { index, count: 2, name: `p${index}` } });
    t = 1000;
    expect(clock(pass(0))).toBe(1);
    t = 9000;
    expect(clock(pass(0))).toBe(9);
    // the baseline pass begins: its rate is not diluted by the first pass's time
    expect(clock(pass(1))).toBe(0);
    t = 11_000;
    expect(clock(pass(1))).toBe(2);
  });

  it("a new unit or a count that goes back starts a new phase: writing after calibrating gets its own rate", () => {
    let t = 0;
    const clock = createPassClock(() => t);
    t = 30_000;
    expect(clock({ done: 8192, total: 8192, unit: "tokens" })).toBe(30);
    // the step's second phase: bytes written, 5.6 KiB after 30 s of calibrating would read as 191 B/s
    t = 30_500;
    expect(clock({ done: 5760, total: 10_586_000_000, unit: "bytes" })).toBe(0);
    t = 35_500;
    expect(clock({ done: 5_560_000_000, total: 10_586_000_000, unit: "bytes" })).toBe(5);
    // the same unit counting from zero again (a second file) restarts too
    t = 36_000;
    expect(clock({ done: 10, total: 100, unit: "bytes" })).toBe(0);
  });
});

describe("ListrStepRunner: warnings during a step", () => {
  it("go to the live display while the step runs, then once to stderr; afterwards logWarn writes to stderr again", async () => {
    const { ListrStepRunner } = await import("./progress.js");
    const { logWarn } = await import("../util/log.js");
    const written: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    const spy = (chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    };
    process.stderr.write = spy as typeof process.stderr.write;
    try {
      await new ListrStepRunner().run([
        {
          title: "download",
          run: async (report) => {
            report({ done: 1, total: 4, unit: "files" });
            logWarn("GET /x: HTTP 503 (attempt 1 of 6); retrying in 1.0 s");
            // nothing reached stderr while the step ran
            expect(written.join("")).not.toContain("HTTP 503");
          },
        },
      ]);
      expect(written.filter((w) => w.includes("warning: GET /x: HTTP 503"))).toHaveLength(1);
      logWarn("after");
      expect(written.at(-1)).toMatch(/warning: after\n$/);
    } finally {
      process.stderr.write = original;
    }
  });
});
