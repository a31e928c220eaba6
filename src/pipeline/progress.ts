/**
 * Progress: a listr2 task list on a TTY, plain timestamped lines otherwise (CI logs, pipes).
 * The engine hands over a list of steps; the runner drives them in order.
 */
import { formatBytes, formatSeconds } from "../util/format.js";
import { logInfo, setWarningSink } from "../util/log.js";
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

/**
 * One progress line. `elapsedSeconds` is the time since the current pass began (the step's start when
 * there are no passes): rates and ETAs come from it, for every unit.
 */
export function formatProgress(update: ProgressUpdate, elapsedSeconds: number): string {
  const parts: string[] = [];
  const { done, total, unit } = update;
  const pass = update.pass && update.pass.count > 1 ? `pass ${update.pass.index + 1}/${update.pass.count} (${update.pass.name})` : undefined;
  if (unit === "bytes") {
    parts.push(total ? `${formatBytes(done)} / ${formatBytes(total)}` : formatBytes(done));
    if (elapsedSeconds > 0.5 && done > 0) {
      const rate = done / elapsedSeconds;
      parts.push(`${formatBytes(rate)}/s`);
      if (total && total > done) parts.push(`ETA ${formatSeconds((total - done) / rate)}`);
    }
  } else {
    parts.push(total !== undefined ? `${done}/${total}${unit ? ` ${unit}` : ""}` : `${done}${unit ? ` ${unit}` : ""}`);
    if (elapsedSeconds > 0.5 && done > 0) {
      const rate = done / elapsedSeconds;
      parts.push(rate >= 1 ? `${rate.toFixed(rate >= 10 ? 0 : 1)} ${unit ?? "steps"}/s` : `${formatSeconds(1 / rate)} per ${singular(unit ?? "steps")}`);
      if (total && total > done) parts.push(`ETA ${formatSeconds((total - done) / rate)}`);
    }
  }
  if (total) parts.splice(1, 0, `${((100 * done) / total).toFixed(1)}%`);
  if (pass) parts.unshift(pass);
  if (update.detail && update.detail !== update.pass?.name) parts.push(update.detail);
  return parts.join("  ");
}

const singular = (unit: string) => (unit.endsWith("s") ? unit.slice(0, -1) : unit);

/**
 * Times passes for formatProgress: returns the seconds since the current phase began (since the
 * first update when there is one phase). A phase is a pass, or a run of updates in one unit that
 * does not count backwards: a step that calibrates in tokens and then writes in bytes gets a bytes
 * rate of its own, not the bytes over the time spent calibrating.
 */
export function createPassClock(now: () => number = () => performance.now()): (update: ProgressUpdate) => number {
  let key: string | undefined;
  let lastDone = 0;
  let started = now();
  return (update) => {
    const phase = `${update.pass?.index ?? -1}|${update.unit ?? ""}`;
    if (key !== phase || update.done < lastDone) {
      // the first update of a phase starts its clock (the step's start for the first phase)
      if (key !== undefined) started = now();
      key = phase;
    }
    lastDone = update.done;
    return (now() - started) / 1000;
  };
}

/** Plain lines: at most one progress line every few seconds per step, so CI logs stay readable. */
export class PlainStepRunner implements StepRunner {
  constructor(private readonly intervalMs = 5000) {}

  async run(steps: ProgressStep[]): Promise<void> {
    for (const step of steps) {
      const started = performance.now();
      const clock = createPassClock();
      let lastPrinted = 0;
      let lastPass: number | undefined;
      logInfo(`▶ ${step.title}`);
      const suffix = await step.run((update) => {
        const now = performance.now();
        const elapsed = clock(update);
        // a new pass always gets its line, so a count that starts again is never a surprise
        const newPass = update.pass !== undefined && update.pass.index !== lastPass;
        if (!newPass && now - lastPrinted < this.intervalMs) return;
        lastPrinted = now;
        lastPass = update.pass?.index;
        logInfo(`  ${step.title}: ${formatProgress(update, elapsed)}`);
      });
      logInfo(`✔ ${step.title}${suffix ? ` (${suffix})` : ""} in ${formatSeconds((performance.now() - started) / 1000)}`);
    }
  }
}

/** listr2 on a TTY: one task per step with a live progress line. Loaded lazily. */
export class ListrStepRunner implements StepRunner {
  async run(steps: ProgressStep[]): Promise<void> {
    const { Listr } = await import("listr2");
    const warnings: string[] = [];
    const list = new Listr(
      steps.map((step) => ({
        title: step.title,
        // room for the progress line and the last warnings under it
        rendererOptions: { outputBar: 4 },
        task: async (_ctx: unknown, task: { output: string; title: string }) => {
          const started = performance.now();
          const clock = createPassClock();
          let last = 0;
          let progress = "";
          // warnings show under the progress line as they happen (the last three), and all of them
          // again on stderr once the list is done, so none is lost when the live display clears
          const recent: string[] = [];
          const draw = () => {
            task.output = [progress, ...recent.slice(-3)].filter(Boolean).join("\n");
          };
          setWarningSink((line) => {
            recent.push(line);
            warnings.push(line);
            draw();
          });
          try {
            const suffix = await step.run((update) => {
              const now = performance.now();
              const elapsed = clock(update);
              if (now - last < 200) return;
              last = now;
              progress = formatProgress(update, elapsed);
              draw();
            });
            task.title = `${step.title}${suffix ? ` (${suffix})` : ""} — ${formatSeconds((performance.now() - started) / 1000)}`;
          } finally {
            setWarningSink(undefined);
          }
        },
      })),
      { concurrent: false, exitOnError: true, rendererOptions: { collapseErrors: false } },
    );
    try {
      await list.run();
    } finally {
      for (const line of warnings) process.stderr.write(`${line}\n`);
    }
  }
}

export function defaultStepRunner(): StepRunner {
  return process.stderr.isTTY && !process.env.CI ? new ListrStepRunner() : new PlainStepRunner();
}
