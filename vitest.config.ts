import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // llama.cpp and koffi keep native state per process: isolate test files in forks.
    pool: "forks",
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
