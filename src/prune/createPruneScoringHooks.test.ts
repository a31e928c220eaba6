import { describe, expect, it } from "vitest";
import { createPruneScoringHooks } from "./createPruneScoringHooks.js";

describe("createPruneScoringHooks", () => {
  it("REAP = mean over routed tokens of router probability × ‖output‖₂ (top-k weights for the ablation); frequency counts; norm is the plain mean; chunks accumulate", async () => {
    const { hooks, layers } = createPruneScoringHooks({ nLayers: 1, nExperts: 3, oProjWidth: 2 });
    const hidden = 2;
    await hooks.onRouting!({ layer: 0, tokens: 4, tokenOffset: 0, sequenceOffsets: new Int32Array([0, 4]), mlpInput: new Float32Array(8), routerLogits: Float32Array.from([0, 0, 0, Math.log(2), 0, 0, 0, 0, Math.log(3), 0, 0, 0]), topkIdx: new Int32Array(8), topkWeights: new Float32Array(8) });
    const event = (expert: number, tokens: number[], gates: number[], outputs: number[][]) =>
      hooks.onExpert!({
        layer: 0,
        expert,
        tokens: Int32Array.from(tokens),
        gateWeights: Float32Array.from(gates),
        input: new Float32Array(tokens.length * hidden),
        downInput: new Float32Array(tokens.length),
        output: Float32Array.from(outputs.flat()),
      });
    await event(0, [0, 1], [0.5, 0.25], [[3, 4], [6, 8]]); // norms 5 and 10
    await event(0, [3], [1], [[0, 2]]); // second chunk of expert 0: norm 2
    await event(2, [2], [0.75], [[1, 0]]);
    const acc = layers[0];
    expect(Array.from(acc.routedTokens)).toEqual([3, 0, 1]);
    // softmax over all 3 experts: token 0 and 3 → 1/3 each, token 1 → expert 0 has 2/4, token 2 → expert 2 has 3/5
    expect(acc.reapSum[0] / 3).toBeCloseTo((5 / 3 + 0.5 * 10 + 2 / 3) / 3, 6);
    expect(acc.reapTopkSum[0] / 3).toBeCloseTo((0.5 * 5 + 0.25 * 10 + 1 * 2) / 3, 12);
    expect(acc.normSum[0] / 3).toBeCloseTo((5 + 10 + 2) / 3, 12);
    expect(acc.reapSum[2]).toBeCloseTo(0.6, 6);
    expect(acc.reapTopkSum[2]).toBeCloseTo(0.75, 12);
    expect(acc.tokens).toBe(4);
  });

  it("per-ubatch routing (llama.cpp engine): probabilities indexed from the event's tokenOffset, token counts add up", async () => {
    const { hooks, layers } = createPruneScoringHooks({ nLayers: 1, nExperts: 2, oProjWidth: 1 });
    const route = (tokenOffset: number, logits: number[]) =>
      hooks.onRouting!({ layer: 0, tokens: logits.length / 2, tokenOffset, sequenceOffsets: new Int32Array([0, 4]), mlpInput: new Float32Array(0), routerLogits: Float32Array.from(logits), topkIdx: new Int32Array(0), topkWeights: new Float32Array(0) });
    const expert = (token: number, norm: number) =>
      hooks.onExpert!({ layer: 0, expert: 1, tokens: Int32Array.of(token), gateWeights: Float32Array.of(1), input: new Float32Array(0), downInput: new Float32Array(0), output: Float32Array.of(norm, 0) });
    await route(0, [0, 0, 0, 0]);
    await expert(1, 2); // p = 1/2
    await route(2, [0, Math.log(3), 0, 0]);
    await expert(2, 4); // token 2 is the first of this ubatch: p = 3/4
    expect(layers[0].reapSum[1]).toBeCloseTo(0.5 * 2 + 0.75 * 4, 6);
    expect(layers[0].tokens).toBe(4);
  });

  it("o_proj input: per-channel sums and sums of squares over every attention batch", async () => {
    const { hooks, layers } = createPruneScoringHooks({ nLayers: 2, nExperts: 1, oProjWidth: 2 });
    const attn = (layer: number, rows: number[][], tokenOffset: number) =>
      hooks.onAttention!({ layer, tokenOffset, rows: rows.length, attnInput: new Float32Array(0), oProjInput: Float32Array.from(rows.flat()) });
    await attn(1, [[1, -2], [3, 0]], 0);
    await attn(1, [[-1, 4]], 2);
    expect(Array.from(layers[1].channelSum)).toEqual([3, 2]);
    expect(Array.from(layers[1].channelSumSquares)).toEqual([11, 20]);
    expect(layers[1].attentionRows).toBe(3);
    expect(layers[0].attentionRows).toBe(0);
  });
});
