/** The params schema on both sides: pipeline files (parseYamlParams) and the command line (addSchemaOptions + readSchemaOptions). */
import { Command } from "commander";
import { describe, expect, expectTypeOf, it } from "vitest";
import { addSchemaOptions } from "../cli/addSchemaOptions.js";
import { readSchemaOptions } from "../cli/readSchemaOptions.js";
import { InvalidInputError, UsageError } from "../errors.js";
import { defineParams, ParamProblem, type SchemaCliParams, type SchemaParams } from "./paramSchema.js";
import { parseYamlParams } from "./parseYamlParams.js";

const schema = defineParams({
  options: {
    name: { kind: "string", required: true, help: "a name" },
    count: { kind: "integer", min: 1, max: 8, default: 2, help: "a count" },
    ratio: { kind: "number", min: 0, help: "a ratio" },
    clip: { kind: "boolean", negate: true, default: true, help: "no clipping" },
    mode: { kind: "enum", choices: ["fast", "two_pass"], cliValues: { "two-pass": "two_pass" }, default: "fast", help: "the mode" },
    size: { kind: "enum", choices: [32, 64], expected: "32 or 64", help: "group size" },
    tags: { kind: "list", help: "tags" },
    even: { kind: "custom", parse: (v) => (typeof v === "number" || typeof v === "string") && Number(v) % 2 === 0 ? Number(v) : new ParamProblem("expected an even number"), help: "even" },
    batchSize: { kind: "integer", min: 1, aliases: ["--batch"], help: "renamed from --batch" },
    fileOnly: { kind: "string", only: "yaml", help: "pipeline files only" },
    json: { kind: "boolean", only: "cli", help: "json" },
  },
  check(p, ctx) {
    if (p.ratio !== undefined && p.even !== undefined) ctx.fail("even", `give ${ctx.name("ratio")} or ${ctx.name("even")}, not both`);
  },
});

const yaml = (raw: Record<string, unknown>) => parseYamlParams({ schema, raw, file: "p.yaml", key: "stages[1].with" });

async function cli(...args: string[]) {
  const command = addSchemaOptions({ command: new Command("t"), schemas: [schema] })
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  let parsed: SchemaCliParams<typeof schema> | undefined;
  command.action((_opts: unknown, cmd: Command) => {
    parsed = readSchemaOptions({ command: cmd, schema });
  });
  await command.parseAsync(args, { from: "user" });
  return parsed!;
}

describe("params schema", () => {
  it("infers the params type of each side", () => {
    type Yaml = SchemaParams<typeof schema>;
    expectTypeOf<Yaml["count"]>().toEqualTypeOf<number>();
    expectTypeOf<Yaml["mode"]>().toEqualTypeOf<"fast" | "two_pass">();
    expectTypeOf<Yaml["size"]>().toEqualTypeOf<32 | 64 | undefined>();
    expectTypeOf<Yaml["even"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<Yaml>().not.toHaveProperty("json");
    expectTypeOf<SchemaCliParams<typeof schema>>().toHaveProperty("json");
    expectTypeOf<SchemaCliParams<typeof schema>>().not.toHaveProperty("fileOnly");
  });

  it("pipeline files: defaults, required keys, ranges, choices, custom parsers, unknown keys", () => {
    expect(yaml({ name: "a" })).toEqual({ name: "a", count: 2, clip: true, mode: "fast" });
    expect(yaml({ name: "a", mode: "two_pass", size: 64, tags: ["x"], even: 4, file_only: "f", batch_size: 3 })).toMatchObject({ mode: "two_pass", size: 64, tags: ["x"], even: 4, fileOnly: "f", batchSize: 3 });
    expect(() => yaml({})).toThrow("p.yaml: stages[1].with.name: required");
    expect(() => yaml({ name: "a", count: 9 })).toThrow("p.yaml: stages[1].with.count: out of range [1, 8], got 9");
    expect(() => yaml({ name: "a", count: 1.5 })).toThrow("stages[1].with.count: expected an integer, got 1.5");
    expect(() => yaml({ name: "a", mode: "two-pass" })).toThrow('stages[1].with.mode: expected one of fast, two_pass, got "two-pass"');
    expect(() => yaml({ name: "a", size: 48 })).toThrow("stages[1].with.size: expected 32 or 64, got 48");
    expect(() => yaml({ name: "a", even: 3 })).toThrow("stages[1].with.even: expected an even number, got 3");
    expect(() => yaml({ name: "a", ratio: 0.5, even: 2 })).toThrow("stages[1].with.even: give ratio or even, not both");
    expect(() => yaml({ name: "a", json: true })).toThrow(/stages\[1\]\.with\.json: unknown key/);
    expect(() => yaml({ name: "a", tags: "x" })).toThrow(InvalidInputError);
  });

  it("the command line: strings coerced, then the same validators; CLI spellings, --no- flags, hidden aliases", async () => {
    expect(await cli("--name", "a")).toEqual({ name: "a", count: 2, clip: true, mode: "fast" });
    expect(await cli("--name", "a", "--count", "3", "--mode", "two-pass", "--size", "64", "--tags", "x", "y", "--no-clip", "--even", "4", "--json")).toMatchObject({
      count: 3,
      mode: "two_pass",
      size: 64,
      tags: ["x", "y"],
      clip: false,
      even: 4,
      json: true,
    });
    expect(await cli("--name", "a", "--batch", "5")).toMatchObject({ batchSize: 5 });
    expect(await cli("--name", "a", "--batch-size", "6")).toMatchObject({ batchSize: 6 });
    await expect(cli("--name", "a", "--count", "9")).rejects.toThrow(new UsageError('--count "9": out of range [1, 8]'));
    await expect(cli("--name", "a", "--count", "x")).rejects.toThrow('--count "x": expected an integer');
    await expect(cli("--name", "a", "--even", "3")).rejects.toThrow('--even "3": expected an even number');
    await expect(cli("--name", "a", "--ratio", "0.5", "--even", "2")).rejects.toThrow("--even: give --ratio or --even, not both");
    await expect(cli("--name", "a", "--mode", "two_pass")).rejects.toThrow(/Allowed choices are fast, two-pass/);
    await expect(cli("--name", "a", "--file-only", "f")).rejects.toThrow(/unknown option/);
    await expect(cli()).rejects.toThrow(/required option '--name <value>'/);
  });

  it("help lists every CLI flag with its choices; aliases stay hidden", () => {
    const help = addSchemaOptions({ command: new Command("t"), schemas: [schema] }).helpInformation();
    for (const flag of ["--name <value>", "--count <n>", "--no-clip", "--mode <value>", '"two-pass"', "--tags <values...>", "--batch-size <n>", "--json"]) expect(help).toContain(flag);
    expect(help).not.toContain("--batch ");
    expect(help).not.toContain("--file-only");
  });
});
