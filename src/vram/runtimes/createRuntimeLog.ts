/**
 * What both runtimes keep of llama.cpp's log: the last lines (for error messages and runtime.log)
 * and every buffer-size line (the weights / KV / compute sizes llama.cpp reports), each line also
 * forwarded to the caller's onLog.
 */
import { parseLlamaBufferLine } from "../parseLlamaBufferSizes.js";
import type { LlamaBufferLine } from "../types.js";

const LOG_TAIL_LINES = 400;

export interface RuntimeLog {
  /** Record one log line. */
  add(line: string): void;
  /** The last lines, oldest first (a live array: copy it to keep it). */
  readonly tail: string[];
  /** Every buffer-size line so far (a live array). */
  readonly buffers: LlamaBufferLine[];
}

export function createRuntimeLog(params: { onLog?: (line: string) => void }): RuntimeLog {
  const tail: string[] = [];
  const buffers: LlamaBufferLine[] = [];
  return {
    tail,
    buffers,
    add(line) {
      tail.push(line);
      if (tail.length > LOG_TAIL_LINES) tail.shift();
      params.onLog?.(line);
      const buffer = parseLlamaBufferLine(line);
      if (buffer) buffers.push(buffer);
    },
  };
}
