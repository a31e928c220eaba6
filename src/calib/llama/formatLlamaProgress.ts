import type { LlamaCalibProgress } from "./runLlamaGptOss.js";

/** "1,536/8,192 tokens, 412 tok/s, ETA 16s" for progress lines. */
export function formatLlamaProgress(progress: LlamaCalibProgress): string {
  const { tokensDone, tokensTotal, tokensPerSecond, etaSeconds } = progress;
  const eta = etaSeconds >= 3600 ? `${(etaSeconds / 3600).toFixed(1)}h` : etaSeconds >= 60 ? `${Math.round(etaSeconds / 60)}m` : `${Math.round(etaSeconds)}s`;
  return `llama.cpp forward ${tokensDone.toLocaleString("en-US")}/${tokensTotal.toLocaleString("en-US")} tokens, ${tokensPerSecond.toFixed(tokensPerSecond < 10 ? 1 : 0)} tok/s, ETA ${eta}`;
}
