import { describe, expect, it } from "vitest";
import { niceTicks } from "./niceTicks.js";

describe("niceTicks", () => {
  it("round steps from 0 to the first multiple at or above the maximum", () => {
    expect(niceTicks({ max: 13_727 })).toEqual({ step: 2000, top: 14_000, ticks: [0, 2000, 4000, 6000, 8000, 10_000, 12_000, 14_000] });
    expect(niceTicks({ max: 15.3, maxTicks: 12 }).step).toBe(2);
    expect(niceTicks({ max: 0.3, maxTicks: 3 }).ticks).toEqual([0, 0.1, 0.2, 0.3]);
  });

  it("ends within 1.2× of the maximum, whatever the maximum (the axis follows the data)", () => {
    for (let max = 0.013; max < 2e6; max *= 1.037) {
      const { top, ticks, step } = niceTicks({ max });
      expect(top).toBeGreaterThanOrEqual(max * (1 - 1e-12));
      expect(top / max).toBeLessThanOrEqual(1.2);
      expect(ticks.length - 1).toBeLessThanOrEqual(10);
      expect([1, 2, 2.5, 5]).toContain(Number((step / 10 ** Math.floor(Math.log10(step))).toPrecision(6)));
    }
  });

  it("an empty or invalid maximum gives a unit axis instead of NaN", () => {
    expect(niceTicks({ max: 0 }).top).toBe(1);
    expect(niceTicks({ max: Number.NaN }).top).toBe(1);
  });
});
