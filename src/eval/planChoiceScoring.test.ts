/**
 * The continuation method's token bookkeeping on a toy tokenizer that merges "：" with a following
 * letter (as o200k and the fixture do), and the errors for a tokenizer lacking the needed tokens.
 */
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../errors.js";
import { planChoiceScoring } from "./planChoiceScoring.js";

/** Greedy longest-match over a fixed vocabulary; unknown characters become token 0 (UNK) or vanish. */
function toyTokenizer(vocab: string[], unknown: "unk" | "drop") {
  return (text: string): number[] => {
    const out: number[] = [];
    let i = 0;
    while (i < text.length) {
      let best = -1;
      for (let t = 1; t < vocab.length; t++) if (text.startsWith(vocab[t], i) && (best < 0 || vocab[t].length > vocab[best].length)) best = t;
      if (best < 0) {
        if (unknown === "unk") out.push(0);
        i++;
      } else {
        out.push(best);
        i += vocab[best].length;
      }
    }
    return out;
  };
}

const VOCAB = ["<unk>", "答案是", "：", "：A", "：B", "A", "B", "C", "D", "C1"];

describe("planChoiceScoring", () => {
  const tokenize = toyTokenizer(VOCAB, "unk");
  it("scores past the longest common prefix, re-spelling the merged last context token", () => {
    const plan = planChoiceScoring({ tokenize, context: "答案是：", choices: ["A", "B", "C", "C1"], method: "continuation", modelPath: "m.gguf", unknownToken: 0 });
    // tokenize("答案是：") = [1, 2]; "答案是：A" = [1, 3]: the scored part replaces "："
    expect(plan.choices[0]).toEqual({ tokens: [1, 3], scoredFrom: 1 });
    expect(plan.choices[1]).toEqual({ tokens: [1, 4], scoredFrom: 1 });
    // no "：C" token: the context stays, the letter is appended
    expect(plan.choices[2]).toEqual({ tokens: [1, 2, 7], scoredFrom: 2 });
    expect(plan.choices[3]).toEqual({ tokens: [1, 2, 9], scoredFrom: 2 });
    expect(plan.prefixLength).toBe(1);
    expect(plan.maxTokens).toBe(3);
    // the letter method appends the bare letter token to the context tokens
    const letters = planChoiceScoring({ tokenize, context: "答案是：", choices: ["A", "B"], method: "letter", modelPath: "m.gguf" });
    expect(letters.choices.map((c) => c.tokens)).toEqual([[1, 2, 5], [1, 2, 6]]);
  });

  it("rejects a tokenizer without tokens for a choice, naming the model", () => {
    const plan = (choices: string[], t = tokenize) => planChoiceScoring({ tokenize: t, context: "答案是：", choices, method: "continuation", modelPath: "m.gguf", unknownToken: 0 });
    expect(() => plan(["A", "E"])).toThrow(InvalidInputError);
    expect(() => plan(["A", "E"])).toThrow(/m\.gguf: the tokenizer has no token for choice "E" \(it becomes the unknown token 0\)/);
    expect(() => plan(["A", "E"], toyTokenizer(VOCAB, "drop"))).toThrow(/cannot encode choice "E" after the prompt/);
    expect(() => plan(["A", "A"])).toThrow(/choices "A" and "A" tokenize identically/);
    expect(() => planChoiceScoring({ tokenize, context: "答案是：", choices: ["E"], method: "letter", modelPath: "m.gguf" })).not.toThrow();
    expect(() => planChoiceScoring({ tokenize, context: "答案是：", choices: ["C1x"], method: "letter", modelPath: "m.gguf" })).toThrow(/letter scoring needs "C1x" to be one token/);
  });
});
