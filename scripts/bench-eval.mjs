#!/usr/bin/env node
// Eval throughput vs plain prompt processing (writes the eval-throughput section of docs/benchmarks.md).
import { join, resolve } from "node:path";
const { benchEvalThroughput } = await import(join(resolve(import.meta.dirname, ".."), "dist", "bench", "suites", "evalThroughput.js"));
await benchEvalThroughput();
