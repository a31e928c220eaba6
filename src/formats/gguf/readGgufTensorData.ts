import { open } from "node:fs/promises";
import { InvalidInputError } from "../../errors.js";
import type { GgufFile } from "./readGguf.js";

/**
 * The raw bytes of one tensor (byteLength bytes at its absolute offset, padding excluded) of a file
 * whose header `readGguf` returned. Reads just that range. Throws InvalidInputError when the file
 * has no such tensor or its size changed since the header was read (the offsets would be stale).
 * The Buffer owns its memory (byteOffset 0): typed-array views over it are aligned.
 */
export async function readGgufTensorData(params: { gguf: GgufFile; name: string }): Promise<Buffer> {
  const { gguf, name } = params;
  const tensor = gguf.tensors.find((t) => t.name === name);
  if (tensor === undefined) throw new InvalidInputError(gguf.path, "no such tensor", name);
  const handle = await open(gguf.path, "r");
  try {
    const { size } = await handle.stat();
    if (size !== gguf.fileSize) {
      throw new InvalidInputError(gguf.path, `file is now ${size} bytes, was ${gguf.fileSize} when its header was read`);
    }
    // Unpooled, so byteOffset is 0 and Float32Array/Uint16Array views over it are aligned.
    const data = Buffer.allocUnsafeSlow(tensor.byteLength);
    let got = 0;
    while (got < data.length) {
      const { bytesRead } = await handle.read(data, got, data.length - got, tensor.absoluteOffset + got);
      if (bytesRead === 0) throw new InvalidInputError(gguf.path, `file ended while reading tensor data at ${tensor.absoluteOffset + got}`, name);
      got += bytesRead;
    }
    return data;
  } finally {
    await handle.close();
  }
}
