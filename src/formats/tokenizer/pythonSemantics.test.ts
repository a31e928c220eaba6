import { describe, expect, it } from "vitest";
import { pythonEquals } from "./pythonEquals.js";
import { isPythonTruthy } from "./pythonSemantics.js";

describe("Python semantics of JSON values", () => {
  it("judges truth like Python", () => {
    for (const falsy of [null, undefined, false, 0, "", [], {}]) expect(isPythonTruthy(falsy)).toBe(false);
    for (const truthy of [true, 1, -1, "0", [0], { a: null }]) expect(isPythonTruthy(truthy)).toBe(true);
  });

  it("compares like Python's ==", () => {
    expect(pythonEquals("<s>", "<s>")).toBe(true);
    expect(pythonEquals("<s>", { content: "<s>" })).toBe(false);
    expect(pythonEquals({ content: "<s>", special: true }, { special: 1, content: "<s>" })).toBe(true);
    expect(pythonEquals(null, undefined)).toBe(true);
    expect(pythonEquals([1, "a"], [1, "a"])).toBe(true);
    expect(pythonEquals([1], { 0: 1 })).toBe(false);
  });
});
