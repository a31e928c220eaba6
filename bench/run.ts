/**
 * `npm run bench [-- suite…]`: runs the benchmark suites and writes their figures into
 * docs/benchmarks.md. Suites: startup, convert-fixture, and (issue 7) full-size.
 */
import { describeMachine } from "./machine.js";
import { table, writeBenchSection } from "./report.js";
import { benchAwq } from "./suites/awq.js";
import { benchCalibEngine } from "./suites/calibEngine.js";
import { benchConvertFixture } from "./suites/convertFixture.js";
import { benchFullSize } from "./suites/fullSize.js";
import { benchFullSize120b } from "./suites/fullSize120b.js";
import { benchFullSizeCalibration } from "./suites/fullSizeCalibration.js";
import { benchStartup } from "./suites/startup.js";

const SUITES: Record<string, () => Promise<void>> = {
  startup: () => benchStartup(),
  "convert-fixture": () => benchConvertFixture(),
  "calib-engine": () => benchCalibEngine(),
  awq: () => benchAwq(),
  "full-size": () => benchFullSize(),
  "full-size-120b": () => benchFullSize120b(),
  "full-size-calibration": () => benchFullSizeCalibration(),
};

const requested = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const names = requested.length ? requested : Object.keys(SUITES);
for (const name of names) {
  if (!SUITES[name]) {
    process.stderr.write(`unknown suite ${name} (suites: ${Object.keys(SUITES).join(", ")})\n`);
    process.exit(2);
  }
}
const machine = describeMachine(process.cwd());
await writeBenchSection(
  "machine",
  `## Machine\n\nLast run: ${new Date().toISOString().slice(0, 10)}\n\n${table(Object.keys(machine), [Object.values(machine)])}`,
);
for (const name of names) {
  process.stderr.write(`bench: ${name}…\n`);
  await SUITES[name]();
}
process.stderr.write("bench: figures written to docs/benchmarks.md\n");
