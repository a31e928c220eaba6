import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// Test files run in parallel worker processes; each llama.cpp/ggml call inside them takes
// OSS_PREP_THREADS threads. Splitting the cores between the workers (instead of every worker
// taking all of them) avoids oversubscription, where ggml's spinning thread pools run 5-10x slower.
const workers = Math.max(1, Math.min(4, availableParallelism()));
const threadsPerWorker = Math.max(1, Math.floor(availableParallelism() / workers));

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // llama.cpp and koffi keep native state per process: isolate test files in forks.
    pool: "forks",
    maxWorkers: workers,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    env: { OSS_PREP_THREADS: process.env.OSS_PREP_THREADS ?? String(threadsPerWorker) },
  },
});
