/**
 * Reads an importance matrix in llama.cpp's GGUF format (what `llama-imatrix` writes: for each weight
 * `<name>.in_sum2` F32 sums of squared activations, ne0 × n_expert, and `<name>.counts` F32 token counts,
 * one per expert; keys imatrix.datasets / imatrix.chunk_count / imatrix.chunk_size), and normalises it
 * the way llama-quantize does before quantizing (tools/quantize/quantize.cpp:183-260 with
 * common/imatrix-loader.cpp:82-188): value = in_sum2 / lround(count) per expert slice, 1 where the count is 0.
 */
import { InvalidInputError } from "../../errors.js";
import { GgmlType } from "../../formats/gguf/ggmlTypes.js";
import { GgufValueType, ggufPlainValue } from "../../formats/gguf/ggufValue.js";
import { readGguf } from "../../formats/gguf/readGguf.js";
import { readGgufTensorData } from "../../formats/gguf/readGgufTensorData.js";

export interface ImportanceMatrix {
  path: string;
  /** Per weight name: ne0 × n_expert normalised values (the expert slices one after another). */
  entries: Map<string, Float32Array>;
  datasets: string[];
  chunkCount: number;
  chunkSize: number;
}

const SUMS = ".in_sum2";
const COUNTS = ".counts";

function floats(data: Buffer): Float32Array {
  // readGgufTensorData's buffer may sit at any offset of a pooled ArrayBuffer
  const copy = new Float32Array(data.length / 4);
  new Uint8Array(copy.buffer).set(data);
  return copy;
}

export async function readImatrixGguf(params: { path: string }): Promise<ImportanceMatrix> {
  const { path } = params;
  const gguf = await readGguf({ path }).catch((error: unknown) => {
    if (error instanceof InvalidInputError && /not a GGUF file/.test(error.message)) {
      throw new InvalidInputError(path, "not a GGUF imatrix (the legacy .dat format is not supported; llama-imatrix writes GGUF by default)");
    }
    throw error;
  });
  const datasetsValue = gguf.metadata.get("imatrix.datasets");
  const chunkCountValue = gguf.metadata.get("imatrix.chunk_count");
  const chunkSizeValue = gguf.metadata.get("imatrix.chunk_size");
  // quantize.cpp:190-193 refuses a GGUF imatrix without these keys
  if (!datasetsValue || !chunkCountValue || !chunkSizeValue) {
    throw new InvalidInputError(path, "missing imatrix metadata (imatrix.datasets, imatrix.chunk_count, imatrix.chunk_size): not an imatrix file?");
  }
  const datasets =
    datasetsValue.type === GgufValueType.ARRAY && datasetsValue.itemType === GgufValueType.STRING ? (datasetsValue.value as string[]) : [];
  const pairs = new Map<string, { sums?: (typeof gguf.tensors)[number]; counts?: (typeof gguf.tensors)[number] }>();
  for (const t of gguf.tensors) {
    const suffix = t.name.endsWith(SUMS) ? SUMS : t.name.endsWith(COUNTS) ? COUNTS : undefined;
    if (!suffix) continue;
    const name = t.name.slice(0, -suffix.length);
    const pair = pairs.get(name) ?? {};
    if (suffix === SUMS) pair.sums = t;
    else pair.counts = t;
    pairs.set(name, pair);
  }
  if (pairs.size === 0) throw new InvalidInputError(path, "no imatrix data (no *.in_sum2 / *.counts tensors)");
  const entries = new Map<string, Float32Array>();
  for (const [name, { sums, counts }] of [...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!sums || !counts) throw new InvalidInputError(path, "mismatched sums and counts", name);
    if (sums.type !== GgmlType.F32 || counts.type !== GgmlType.F32) throw new InvalidInputError(path, "sums and counts must be F32", name);
    const sumValues = floats(await readGgufTensorData({ gguf, name: sums.name }));
    const countValues = floats(await readGgufTensorData({ gguf, name: counts.name }));
    const nCounts = countValues.length;
    if (nCounts === 0 || sumValues.length % nCounts !== 0) {
      throw new InvalidInputError(path, `${sumValues.length} sums do not split into ${nCounts} expert slices`, name);
    }
    const ne0 = sumValues.length / nCounts;
    const values = new Float32Array(sumValues.length);
    for (let j = 0; j < nCounts; j++) {
      // counts are stored as float and rounded (std::lround), then divided as float
      const count = Math.fround(Math.round(countValues[j]));
      for (let i = 0; i < ne0; i++) values[j * ne0 + i] = count > 0 ? sumValues[j * ne0 + i] / count : 1;
    }
    for (const v of values) if (!Number.isFinite(v)) throw new InvalidInputError(path, `imatrix contains non-finite value ${v}`, name);
    entries.set(name, values);
  }
  return {
    path,
    entries,
    datasets,
    chunkCount: Number(ggufPlainValue(chunkCountValue)),
    chunkSize: Number(ggufPlainValue(chunkSizeValue)),
  };
}
