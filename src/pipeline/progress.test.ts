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
});
