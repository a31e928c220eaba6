/**
 * What a quantization did, per tensor class (the tensor name without its `blk.N.` prefix): how many
 * tensors, which types they had and got, how many needed the block-size fallback, and their size.
 * The build summary, the manifest and `oss-prep quantize` print it.
 */
import { ggmlTypeName } from "../formats/gguf/ggmlTypes.js";
import { formatBytes, formatSeconds } from "../util/format.js";
import type { QuantizeResult } from "./quantizeResult.js";

export interface QuantizationClassSummary {
  class: string;
  tensors: number;
  /** Input type name → tensors. */
  from: Record<string, number>;
  /** Written type name → tensors. */
  to: Record<string, number>;
  fallbacks: number;
  /** Requested type name → tensors, for those that fell back. */
  requested?: Record<string, number>;
  bytes: number;
}

export interface QuantizationSummary {
  type: string;
  experts: string;
  input: string;
  fileBytes: number;
  tensorBytes: number;
  parameters: number;
  bitsPerWeight: number;
  fallbacks: number;
  seconds: number;
  imatrix?: { path: string; entries: number; used: number };
  classes: QuantizationClassSummary[];
  text: string;
}

const EXPERT_POLICY_TEXT: Record<string, string> = {
  keep: "keep (MXFP4 experts copied bit-exactly)",
  requant: "requant (experts dequantized and quantized by the recipe)",
};

function counts(map: Record<string, number>): string {
  return Object.entries(map).map(([type, n]) => (Object.keys(map).length === 1 ? type : `${type}×${n}`)).join(", ");
}

export function summarizeQuantization(result: QuantizeResult): QuantizationSummary {
  const classes = new Map<string, QuantizationClassSummary>();
  for (const t of result.tensors) {
    const name = t.name.replace(/^blk\.\d+\./, "");
    let c = classes.get(name);
    if (!c) {
      c = { class: name, tensors: 0, from: {}, to: {}, fallbacks: 0, bytes: 0 };
      classes.set(name, c);
    }
    c.tensors++;
    c.bytes += t.bytes;
    const from = ggmlTypeName(t.sourceType);
    const to = ggmlTypeName(t.type);
    c.from[from] = (c.from[from] ?? 0) + 1;
    c.to[to] = (c.to[to] ?? 0) + 1;
    if (t.fellBack) {
      c.fallbacks++;
      c.requested ??= {};
      const requested = ggmlTypeName(t.requestedType);
      c.requested[requested] = (c.requested[requested] ?? 0) + 1;
    }
  }
  const list = [...classes.values()].sort((a, b) => b.bytes - a.bytes);
  const fallbacks = list.reduce((n, c) => n + c.fallbacks, 0);
  const rows = list.map((c) => [
    c.class,
    String(c.tensors),
    counts(c.from),
    counts(c.to),
    c.fallbacks ? `${c.fallbacks} (${counts(c.requested!)} →)` : "0",
    formatBytes(c.bytes),
  ]);
  const header = ["class", "tensors", "from", "to", "fallbacks", "size"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((cell, i) => (i === 1 || i === 5 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join("  ").trimEnd();
  const text = [
    `${result.type} from ${result.input.kind} ${result.input.path}, experts: ${EXPERT_POLICY_TEXT[result.experts] ?? result.experts}`,
    ...(result.imatrix ? [`imatrix ${result.imatrix.path}: ${result.imatrix.used} of ${result.imatrix.entries} entries used`] : []),
    line(header),
    ...rows.map(line),
    `${result.path}: ${formatBytes(result.fileBytes)} (${result.fileBytes} bytes), ${result.bitsPerWeight.toFixed(3)} bits per weight, ` +
      `${fallbacks} of ${result.tensors.length} tensors fell back to a type of smaller blocks, ${formatSeconds(result.seconds)}`,
  ].join("\n");
  return {
    type: result.type,
    experts: result.experts,
    input: result.input.kind,
    fileBytes: result.fileBytes,
    tensorBytes: result.tensorBytes,
    parameters: result.parameters,
    bitsPerWeight: result.bitsPerWeight,
    fallbacks,
    seconds: result.seconds,
    imatrix: result.imatrix,
    classes: list,
    text,
  };
}
