import { describe, expect, it } from "vitest";
import { loadMerges } from "./loadMerges.js";

const noDir = "/nonexistent-oss-prep-dir";

describe("loadMerges", () => {
  it("keeps string merges as they are", async () => {
    expect(await loadMerges({ dir: noDir, tokenizerJson: { model: { merges: ["a b", "ab c"] } }, tokenizerPath: "t" })).toEqual(["a b", "ab c"]);
  });

  it("joins pairs, writing spaces inside a part as U+0120", async () => {
    const merges = await loadMerges({ dir: noDir, tokenizerJson: { model: { merges: [["a", "b"], [" ", "x y"]] } }, tokenizerPath: "t" });
    expect(merges).toEqual(["a b", "\u0120 x\u0120y"]);
  });

  it("refuses an unknown format and mixed item types", async () => {
    await expect(loadMerges({ dir: noDir, tokenizerJson: { model: { merges: [1, 2] } }, tokenizerPath: "t" })).rejects.toThrow(/unknown merges format/);
    await expect(loadMerges({ dir: noDir, tokenizerJson: { model: { merges: ["a b", ["c", "d"]] } }, tokenizerPath: "t" })).rejects.toThrow(/mixes string/);
  });

  it("gives no merges when neither tokenizer.json nor merges.txt has any", async () => {
    expect(await loadMerges({ dir: noDir, tokenizerJson: { model: { merges: [] } }, tokenizerPath: "t" })).toEqual([]);
  });
});
