/**
 * The nvidia-smi executable. OSS_PREP_NVIDIA_SMI points elsewhere: tests replay a recorded trace
 * through a stand-in script, and a machine can name a binary that is not on PATH.
 */
export function nvidiaSmiCommand(): string {
  return process.env.OSS_PREP_NVIDIA_SMI || "nvidia-smi";
}
