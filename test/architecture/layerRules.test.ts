/**
 * The layer rules bite: the project's own dependency-cruiser config, run on a scratch tree that holds
 * one deliberate upward import, one type-only cycle and one clean import, reports exactly the first
 * two. `npm run lint` runs the same config on src/ (where it must find nothing).
 */
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
let scratch: string;

async function write(path: string, text: string): Promise<void> {
  await mkdir(dirname(join(scratch, path)), { recursive: true });
  await writeFile(join(scratch, path), text);
}

async function cruise(): Promise<{ code: number; output: string }> {
  const bin = join(root, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs");
  try {
    const { stdout } = await run(process.execPath, [bin, "src", "--config", ".dependency-cruiser.cjs", "--output-type", "err"], { cwd: scratch });
    return { code: 0, output: stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: e.stdout + e.stderr };
  }
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "oss-prep-layers-"));
  await copyFile(join(root, ".dependency-cruiser.cjs"), join(scratch, ".dependency-cruiser.cjs"));
  await write("tsconfig.check.json", JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", strict: true }, include: ["src/**/*.ts"] }));
  await write("package.json", JSON.stringify({ type: "module" }));
  await write("src/errors.ts", "export class OssPrepError extends Error {}\n");
  // clean: an engine importing a format
  await write("src/formats/csv/parseCsv.ts", 'import { OssPrepError } from "../../errors.js";\nexport const parseCsv = () => new OssPrepError();\n');
  // upward: a format importing an engine's type
  await write("src/formats/gguf/readGguf.ts", 'import type { EvalReport } from "../../eval/evalReport.js";\nexport type Probe = EvalReport;\n');
  await write("src/eval/evalReport.ts", 'import { parseCsv } from "../formats/csv/parseCsv.js";\nexport interface EvalReport { n: number }\nexport const use = parseCsv;\n');
  // a type-only cycle inside one layer
  await write("src/pipeline/a.ts", 'import type { B } from "./b.js";\nexport interface A { b?: B }\n');
  await write("src/pipeline/b.ts", 'import type { A } from "./a.js";\nexport interface B { a?: A }\n');
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("layer rules (.dependency-cruiser.cjs)", () => {
  it("fail on an upward import and on a type-only cycle, and on nothing else", async () => {
    const { code, output } = await cruise();
    expect(code).not.toBe(0);
    expect(output).toMatch(/layer-formats: src\/formats\/gguf\/readGguf\.ts → src\/eval\/evalReport\.ts/);
    expect(output).toMatch(/no-circular: src\/pipeline\/a\.ts → \s*src\/pipeline\/b\.ts/);
    expect(output).not.toMatch(/parseCsv\.ts →/);
    expect(output).toMatch(/2 dependency violations \(2 errors/);
  });
});
