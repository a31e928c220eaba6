import { availableParallelism } from "node:os";

/**
 * Threads to use for CPU work. node-llama-cpp's default oversubscribes small machines (on 2 vCPUs it
 * picked 4 threads and ran ~60x slower), so every native call gets this count explicitly.
 * OSS_PREP_THREADS overrides it.
 */
export function machineThreads(): number {
  const fromEnv = Number(process.env.OSS_PREP_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return Math.max(1, availableParallelism());
}
