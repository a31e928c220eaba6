/**
 * Progress: a listr2 task list on a TTY, plain timestamped lines otherwise (CI logs, pipes).
 * The engine hands over a list of steps; the runner drives them in order.
 */
import { formatBytes, formatSeconds } from "../util/format.js";
import { logInfo } from "../util/log.js";
import type { ProgressUpdate } from "./types.js";

export interface ProgressStep {
  title: string;
  /** Runs the step; `report` shows progress; the returned text is appended to the title when done. */
  // biome-ignore lint/suspicious/noConfusingVoidType: a step returns a label or nothing (async functions without a return value)
  run(report: (update: ProgressUpdate) => void): Promise<string | void>;
}

export interface StepRunner {
  run(steps: ProgressStep[]): Promise<void>;
}

export function formatProgress(update: ProgressUpdate, elapsedSeconds: number): string {
  const parts: string[] = [];
  const { done, total, unit } = update;
  if (unit === "bytes") {
    parts.push(total ? `${formatBytes(done)} / ${formatBytes(total)}` : formatBytes(done));
    if (elapsedSeconds > 0.5 && done > 0) {
      const rate = done / elapsedSeconds;
      parts.push(`${formatBytes(rate)}/s`);
      if (total && total > done) parts.push(`ETA ${formatSeconds((total - done) / rate)}`);
    }
  } else {
    parts.push(total !== undefined ? `${done}/${total}${unit ? ` ${unit}` : ""}` : `${done}${unit ? ` ${unit}` : ""}`);
  }
  if (total) parts.splice(1, 0, `${((100 * done) / total).toFixed(1)}%`);
  if (update.detail) parts.push(update.detail);
  return parts.join("  ");
}

/** Plain lines: at most one progress line every few seconds per step, so CI logs stay readable. */
export class PlainStepRunner implements StepRunner {
  constructor(private readonly intervalMs = 5000) {}

  async run(steps: ProgressStep[]): Promise<void> {
    for (const step of steps) {
      const started = performance.now();
      let lastPrinted = 0;
      logInfo(`▶ ${step.title}`);
      const suffix = await step.run((update) => {
        const now = performance.now();
        if (now - lastPrinted < this.intervalMs) return;
        lastPrinted = now;
        logInfo(`  ${step.title}: ${formatProgress(update, (now - started) / 1000)}`);
      });
      logInfo(`✔ ${step.title}${suffix ? ` (${suffix})` : ""} in ${formatSeconds((performance.now() - started) / 1000)}`);
    }
  }
}

/** listr2 on a TTY: one task per step with a live progress line. Loaded lazily. */
export class ListrStepRunner implements StepRunner {
  async run(steps: ProgressStep[]): Promise<void> {
    const { Listr } = await import("listr2");
    const list = new Listr(
      steps.map((step) => ({
        title: step.title,
        task: async (_ctx: unknown, task: { output: string; title: string }) => {
          const started = performance.now();
          let last = 0;
          const suffix = await step.run((update) => {
            const now = performance.now();
            if (now - last < 200) return;
            last = now;
            task.output = formatProgress(update, (now - started) / 1000);
          });
          task.title = `${step.title}${suffix ? ` (${suffix})` : ""} — ${formatSeconds((performance.now() - started) / 1000)}`;
        },
      })),
      { concurrent: false, exitOnError: true, rendererOptions: { collapseErrors: false } },
    );
    await list.run();
  }
}

export function defaultStepRunner(): StepRunner {
  return process.stderr.isTTY && !process.env.CI ? new ListrStepRunner() : new PlainStepRunner();
}
