/**
 * A synthetic importance matrix in llama.cpp's GGUF imatrix format (as llama-imatrix writes it:
 * `<weight>.in_sum2` F32 [ne0, n_mat] and `<weight>.counts` F32 [1, n_mat], imatrix.* keys) for the
 * quantizable weights of a GGUF, with deterministic positive sums and per-expert counts (one expert of
 * the first expert tensor with count 0, which llama-quantize turns into ones).
 */
import { GgmlType } from "../src/formats/gguf/ggmlTypes.js";
import { GgufWriter } from "../src/formats/gguf/GgufWriter.js";
import { GgufValueType } from "../src/formats/gguf/ggufValue.js";
import { readGguf } from "../src/formats/gguf/readGguf.js";

export async function writeSyntheticImatrix(params: { modelGguf: string; path: string }): Promise<void> {
  const model = await readGguf({ path: params.modelGguf });
  const weights = model.tensors.filter((t) => /^blk\.\d+\.(attn_(q|k|v|output)|ffn_(gate|up|down)_exps)\.weight$/.test(t.name));
  const writer = new GgufWriter({ path: params.path });
  writer.addString("general.type", "imatrix");
  writer.addArray("imatrix.datasets", GgufValueType.STRING, ["synthetic-calibration.txt"]);
  writer.addUint32("imatrix.chunk_count", 7);
  writer.addUint32("imatrix.chunk_size", 512);
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const data = new Map<string, Float32Array>();
  let zeroCountDone = false;
  for (const t of weights) {
    const nMat = t.shape[2] ?? 1;
    const sums = new Float32Array(t.shape[0] * nMat).map(() => 0.01 + 50 * random() ** 3);
    const counts = new Float32Array(nMat).map(() => Math.floor(1 + 3584 * random()));
    if (nMat > 1 && !zeroCountDone) {
      counts[1] = 0;
      zeroCountDone = true;
    }
    writer.addTensorInfo({ name: `${t.name}.in_sum2`, shape: [t.shape[0], nMat], type: GgmlType.F32 });
    writer.addTensorInfo({ name: `${t.name}.counts`, shape: [1, nMat], type: GgmlType.F32 });
    data.set(`${t.name}.in_sum2`, sums);
    data.set(`${t.name}.counts`, counts);
  }
  await writer.write((t) => data.get(t.name)!);
}
