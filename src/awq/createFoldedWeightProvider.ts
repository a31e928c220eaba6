import type { GptOssWeightProvider } from "../calib/gptOssWeights.js";
import type { AwqLayerScales } from "./awqTypes.js";
import { scaleWeightColumns } from "./scaleWeightColumns.js";

/**
 * The float model with AWQ's scales folded in and nothing quantized, as a weight provider for the
 * calibration engine: input_layernorm ÷ s_qkv and q/k/v_proj × s_qkv; v_proj rows and bias ÷ s_o (per KV
 * head) and o_proj × s_o; post_attention_layernorm ÷ s_mlp with the router and every expert's gate_up_proj
 * × s_mlp. In exact arithmetic it computes what the base does; running both checks the folding rules
 * (the routing must not change).
 */
export function createFoldedWeightProvider(params: { base: GptOssWeightProvider; scales: ReadonlyMap<number, AwqLayerScales> }): GptOssWeightProvider {
  const { base, scales } = params;
  const { hidden, nHeads, nKvHeads, headDim, nExperts, expertFfn: ffn } = base.config;
  const qOut = nHeads * headDim;
  const kvOut = nKvHeads * headDim;
  const nRep = nHeads / nKvHeads;
  return {
    config: base.config,
    embeddingRows: (ids) => base.embeddingRows(ids),
    async layer(layer) {
      const lw = await base.layer(layer);
      const s = scales.get(layer) ?? {};
      const att = { ...lw.attention };
      let inputNorm = lw.inputNorm;
      if (s.qkv) {
        const s1 = s.qkv;
        inputNorm = lw.inputNorm.map((w, c) => w / s1[c]);
        att.qWeight = scaleWeightColumns({ weight: att.qWeight, rows: qOut, cols: hidden, scale: s1 });
        att.kWeight = scaleWeightColumns({ weight: att.kWeight, rows: kvOut, cols: hidden, scale: s1 });
        att.vWeight = scaleWeightColumns({ weight: att.vWeight, rows: kvOut, cols: hidden, scale: s1 });
      }
      if (s.o) {
        const s2 = s.o;
        const perKv = (r: number) => s2[Math.floor(r / headDim) * nRep * headDim + (r % headDim)];
        const v = att.vWeight.slice();
        for (let r = 0; r < kvOut; r++) for (let c = 0; c < hidden; c++) v[r * hidden + c] /= perKv(r);
        att.vWeight = v;
        att.vBias = att.vBias.map((b, r) => b / perKv(r));
        att.oWeight = scaleWeightColumns({ weight: att.oWeight, rows: hidden, cols: qOut, scale: s2 });
      }
      let { postAttentionNorm, routerWeight } = lw;
      if (s.mlp) {
        const s3 = s.mlp;
        postAttentionNorm = postAttentionNorm.map((w, c) => w / s3[c]);
        routerWeight = scaleWeightColumns({ weight: routerWeight, rows: nExperts, cols: hidden, scale: s3 });
      }
      return { ...lw, inputNorm, postAttentionNorm, routerWeight, attention: att };
    },
    async expert(layer, expert) {
      const ew = await base.expert(layer, expert);
      const s3 = scales.get(layer)?.mlp;
      return s3 ? { ...ew, gateUp: scaleWeightColumns({ weight: ew.gateUp, rows: 2 * ffn, cols: hidden, scale: s3 }) } : ew;
    },
    finalNorm: () => base.finalNorm(),
    lmHeadRows: (start, end) => base.lmHeadRows(start, end),
    close: () => base.close(),
  };
}
