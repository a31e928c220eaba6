import type { GptOssHooks } from "./gptOssHooks.js";

export interface LayerActivations {
  layer: number;
  /** q/k/v_proj input, [tokens, hidden]. */
  attnInput: Float32Array;
  /** o_proj input, [tokens, nHeads·headDim]. */
  oProjInput: Float32Array;
  /** Router and gate_up_proj input, [tokens, hidden]. */
  mlpInput: Float32Array;
  routing: { routerLogits: Float32Array; topkIdx: Int32Array; topkWeights: Float32Array };
  /** Per expert that received tokens: the tokens (ascending), their gate weights and the rows it consumed, [n, hidden]. */
  expertInputs: Map<number, { tokens: Int32Array; gateWeights: Float32Array; x: Float32Array }>;
  /** Per expert, down_proj input [n, expertFfn], rows in `expertInputs` order. */
  downInputs: Map<number, Float32Array>;
  /** Per expert, its output before the routing weight [n, hidden], rows in `expertInputs` order. */
  expertOutputs: Map<number, Float32Array>;
  /** Residual stream after the layer, [tokens, hidden]. */
  hidden: Float32Array;
}

/**
 * Hooks that copy everything the engine reports for a layer into one LayerActivations and hand it to
 * `onLayer` when the layer ends. Memory grows with tokens × (hidden · (4 + top-k) + top-k · ffn) per
 * layer: right for the tiny fixture and small runs; a real-size calibration consumes GptOssHooks'
 * streaming events directly. Extra hooks passed in still run.
 */
export function collectLayerActivations(params: {
  onLayer: (activations: LayerActivations) => void | Promise<void>;
  hooks?: GptOssHooks;
}): GptOssHooks {
  const extra = params.hooks ?? {};
  let current: Partial<LayerActivations> & { attnParts: Array<[number, Float32Array, Float32Array]> } = { attnParts: [] };
  const append = (map: Map<number, Float32Array>, key: number, rows: Float32Array) => {
    const previous = map.get(key);
    map.set(key, previous ? concat(previous, rows) : rows.slice());
  };
  return {
    async onAttention(event) {
      current.attnParts.push([event.tokenOffset, event.attnInput.slice(), event.oProjInput.slice()]);
      await extra.onAttention?.(event);
    },
    async onRouting(event) {
      current.mlpInput = event.mlpInput.slice();
      current.routing = { routerLogits: event.routerLogits.slice(), topkIdx: event.topkIdx.slice(), topkWeights: event.topkWeights.slice() };
      current.expertInputs = new Map();
      current.downInputs = new Map();
      current.expertOutputs = new Map();
      await extra.onRouting?.(event);
    },
    async onExpert(event) {
      const inputs = current.expertInputs!;
      const previous = inputs.get(event.expert);
      inputs.set(event.expert, {
        tokens: previous ? concatInt(previous.tokens, event.tokens) : event.tokens.slice(),
        gateWeights: previous ? concat(previous.gateWeights, event.gateWeights) : event.gateWeights.slice(),
        x: previous ? concat(previous.x, event.input) : event.input.slice(),
      });
      append(current.downInputs!, event.expert, event.downInput);
      append(current.expertOutputs!, event.expert, event.output);
      await extra.onExpert?.(event);
    },
    async onLayer(event) {
      const parts = current.attnParts.sort((a, b) => a[0] - b[0]);
      const activations: LayerActivations = {
        layer: event.layer,
        attnInput: parts.map((p) => p[1]).reduce(concat),
        oProjInput: parts.map((p) => p[2]).reduce(concat),
        mlpInput: current.mlpInput!,
        routing: current.routing!,
        expertInputs: current.expertInputs!,
        downInputs: current.downInputs!,
        expertOutputs: current.expertOutputs!,
        hidden: event.hidden.slice(),
      };
      current = { attnParts: [] };
      await params.onLayer(activations);
      await extra.onLayer?.(event);
    },
  };
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function concatInt(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
