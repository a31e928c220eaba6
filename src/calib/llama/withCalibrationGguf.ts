/**
 * The GGUF the llama.cpp calibration engine reads: the caller's (checked to be a conversion of the
 * same checkpoint: checkGgufMatchesCheckpoint), or the checkpoint converted by the
 * project's own converter (bf16, MXFP4 experts kept: what llama.cpp's convert_hf_to_gguf.py writes)
 * into a hidden temporary file in `besideDir` — next to the output, on the disk that has to hold it
 * anyway (the converter checks the free space before writing). The temporary file is removed however
 * `run` ends: returned, thrown or aborted.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { convertCheckpoint } from "../../convert/convertCheckpoint.js";
import { checkGgufMatchesCheckpoint } from "./checkGgufMatchesCheckpoint.js";

export async function withCalibrationGguf<T>(
  params: { dir: string; ggufPath?: string; besideDir: string; signal?: AbortSignal; log?: (message: string) => void },
  run: (ggufPath: string) => Promise<T>,
): Promise<T> {
  if (params.ggufPath !== undefined) {
    await checkGgufMatchesCheckpoint({ ggufPath: params.ggufPath, dir: params.dir });
    return run(params.ggufPath);
  }
  const temporary = join(params.besideDir, `.oss-prep-calibration-${process.pid}.gguf`);
  try {
    const t0 = performance.now();
    const written = await convertCheckpoint({ dir: params.dir, outPath: temporary, outtype: "bf16", signal: params.signal });
    params.log?.(`calibration GGUF: converted ${params.dir} (bf16, MXFP4 experts) in ${((performance.now() - t0) / 1000).toFixed(1)}s, ${(written.fileBytes / 2 ** 30).toFixed(2)} GiB, removed when done`);
    return await run(temporary);
  } finally {
    await rm(temporary, { force: true });
  }
}
