import type { SafetensorsCheckpoint } from "../formats/safetensors/index.js";
import { InvalidInputError } from "../errors.js";
import type { AwqGemmTensors } from "./awqGemmLayout.js";

/** One linear's `<module>.qweight` / `.qzeros` / `.scales` from an AutoAWQ GEMM checkpoint, shapes checked against each other. */
export async function readAwqGemmTensors(params: { checkpoint: SafetensorsCheckpoint; module: string }): Promise<AwqGemmTensors> {
  const { checkpoint, module } = params;
  const qweightInfo = checkpoint.get(`${module}.qweight`);
  const qzerosInfo = checkpoint.get(`${module}.qzeros`);
  const scalesInfo = checkpoint.get(`${module}.scales`);
  const [inFeatures, packedCols] = qweightInfo.shape;
  const [groups, outFeatures] = scalesInfo.shape;
  const bad = (problem: string, name: string) => new InvalidInputError(qweightInfo.file, problem, name);
  if (qweightInfo.dtype !== "I32" || qzerosInfo.dtype !== "I32" || scalesInfo.dtype !== "F16") throw bad("expected int32 qweight/qzeros and fp16 scales (AutoAWQ GEMM)", module);
  if (qweightInfo.shape.length !== 2 || scalesInfo.shape.length !== 2 || outFeatures !== packedCols * 8 || inFeatures % groups !== 0) {
    throw bad(`shapes qweight [${qweightInfo.shape}] / scales [${scalesInfo.shape}] are not an AutoAWQ GEMM pair`, module);
  }
  if (qzerosInfo.shape[0] !== groups || qzerosInfo.shape[1] !== packedCols) throw bad(`qzeros shape [${qzerosInfo.shape}] does not match scales [${scalesInfo.shape}]`, `${module}.qzeros`);
  const aligned = async (name: string) => {
    const bytes = await checkpoint.readTensor(name);
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    return copy.buffer;
  };
  return {
    inFeatures,
    outFeatures,
    groupSize: inFeatures / groups,
    qweight: new Int32Array(await aligned(`${module}.qweight`)),
    qzeros: new Int32Array(await aligned(`${module}.qzeros`)),
    scales: new Uint16Array(await aligned(`${module}.scales`)),
  };
}
