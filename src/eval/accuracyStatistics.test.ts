import { describe, expect, it } from "vitest";
import { mcnemarExactP, pairedAccuracyDifference, stratifiedMeanInterval, wilsonInterval } from "./accuracyStatistics.js";

describe("accuracy statistics", () => {
  it("Wilson interval matches the textbook values", () => {
    // statsmodels proportion_confint(85, 100, method="wilson") = (0.7672, 0.9069)
    const [lo, hi] = wilsonInterval(85, 100);
    expect(lo).toBeCloseTo(0.7672, 3);
    expect(hi).toBeCloseTo(0.9069, 3);
    const [lo0, hi0] = wilsonInterval(0, 20);
    expect(lo0).toBe(0);
    expect(hi0).toBeCloseTo(0.1611, 3);
  });

  it("stratified mean is the unweighted mean of subjects, with a positive width even at 100%", () => {
    const r = stratifiedMeanInterval([{ correct: 20, n: 20 }, { correct: 10, n: 20 }]);
    expect(r.mean).toBeCloseTo(0.75, 12);
    expect(r.ci95[0]).toBeLessThan(0.75);
    expect(r.ci95[1]).toBeGreaterThan(0.75);
  });

  it("McNemar exact p-value equals the two-sided binomial test", () => {
    // scipy.stats.binomtest(2, 12, 0.5).pvalue = 0.03857421875
    expect(mcnemarExactP(2, 10)).toBeCloseTo(0.03857421875, 10);
    expect(mcnemarExactP(5, 5)).toBe(1);
    expect(mcnemarExactP(0, 0)).toBe(1);
    expect(mcnemarExactP(0, 2000)).toBeLessThan(1e-100);
  });

  it("paired difference counts discordant questions", () => {
    const baseline = [true, true, true, false, true, false];
    const model = [true, false, false, false, true, true];
    const d = pairedAccuracyDifference({ model, baseline });
    expect(d.baselineOnly).toBe(2);
    expect(d.modelOnly).toBe(1);
    expect(d.loss).toBeCloseTo(1 / 6, 12);
    expect(d.ci95[0]).toBeLessThan(d.loss);
    expect(d.ci95[1]).toBeGreaterThan(d.loss);
  });
});

describe("accuracy-loss intervals stay within ±100 pp (issue 16, item 14)", () => {
  it("on a handful of questions, where the normal interval would pass ±1", async () => {
    const { pairedSubjectMeanDifference } = await import("./accuracyStatistics.js");
    const d = pairedAccuracyDifference({ model: [false, false, true], baseline: [true, true, false] });
    expect(d.ci95[0]).toBeGreaterThanOrEqual(-1);
    expect(d.ci95[1]).toBeLessThanOrEqual(1);
    const m = pairedSubjectMeanDifference([{ model: [false], baseline: [true] }, { model: [true, false], baseline: [false, true] }]);
    expect(m.ci95[0]).toBeGreaterThanOrEqual(-1);
    expect(m.ci95[1]).toBeLessThanOrEqual(1);
    expect(m.ci95[1]).toBe(1);
  });
});
