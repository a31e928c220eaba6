import { execFile } from "node:child_process";
import { EnvironmentError, UsageError } from "../errors.js";
import { nvidiaSmiCommand } from "./nvidiaSmiCommand.js";
import type { GpuInfo } from "./types.js";

/**
 * The NVIDIA GPUs of this machine (or those of `select`, by nvidia-smi index), from
 * `nvidia-smi --query-gpu=index,name,memory.total,driver_version`. Throws EnvironmentError when
 * there is no nvidia-smi or no GPU: a VRAM measurement never pretends.
 */
export async function listNvidiaGpus(params: { select?: number[] } = {}): Promise<GpuInfo[]> {
  const command = nvidiaSmiCommand();
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(command, ["--query-gpu=index,name,memory.total,driver_version", "--format=csv,noheader,nounits"], { timeout: 30_000 }, (error, out, err) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code;
        reject(
          new EnvironmentError(
            code === "ENOENT"
              ? `no NVIDIA GPU: ${command} not found (VRAM is measured on NVIDIA GPUs; \`oss-prep plan\` estimates it anywhere)`
              : `no usable NVIDIA GPU: ${command} failed: ${(err || error.message).trim().split("\n")[0]}`,
          ),
        );
      } else resolve(out);
    });
  });
  const gpus: GpuInfo[] = [];
  for (const line of stdout.split("\n")) {
    const fields = line.split(",").map((f) => f.trim());
    if (fields.length < 3) continue;
    const index = Number(fields[0]);
    const totalMiB = Number(fields[2]);
    if (!Number.isInteger(index) || !Number.isFinite(totalMiB)) continue;
    gpus.push({ index, name: fields[1], totalMiB, driverVersion: fields[3] || undefined });
  }
  if (gpus.length === 0) throw new EnvironmentError(`no NVIDIA GPU: ${command} lists none`);
  if (!params.select) return gpus;
  return params.select.map((i) => {
    const gpu = gpus.find((g) => g.index === i);
    if (!gpu) throw new UsageError(`--gpus: no GPU ${i} (this machine has ${gpus.map((g) => g.index).join(", ")})`);
    return gpu;
  });
}
