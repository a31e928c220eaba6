import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../errors.js";
import { GgufValueType } from "../gguf/ggufValue.js";
import { tokenizerToGgufMetadata } from "./tokenizerToGgufMetadata.js";

/**
 * Small tokenizer folders (testdata/make_cases.py) that reach the branches gpt-oss itself does not:
 * non-special added tokens, ▁ in user-defined tokens, special ids from config.json, post-processors,
 * merges.txt, list-form and .jinja chat templates. expected.json in each is what llama.cpp's own code
 * wrote for it (testdata/llama_vocab_oracle.py: TextModel._set_vocab_gpt2 with transformers 5.17.0,
 * tokenizers 0.23.2, llama.cpp 80fb11ac), so these compare with the converter, not with our reading of it.
 */
const casesDir = join(dirname(fileURLToPath(import.meta.url)), "testdata", "cases");

interface CaseSpec {
  vocab_size: number;
  expect: "match" | "refuse";
  refusal?: string;
}
interface OracleKv {
  key: string;
  type: string;
  item_type?: string;
  value: unknown;
}

const cases = readdirSync(casesDir).sort();

describe("tokenizerToGgufMetadata against llama.cpp on small tokenizer cases", () => {
  it("has the cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
  });

  for (const name of cases) {
    const dir = join(casesDir, name);
    const spec = JSON.parse(readFileSync(join(dir, "case.json"), "utf8")) as CaseSpec;
    const oracle = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as { kv?: OracleKv[]; error?: string };

    if (spec.expect === "refuse") {
      it(`${name}: refused with a clear error`, async () => {
        const error = await tokenizerToGgufMetadata({ dir, vocabSize: spec.vocab_size }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InvalidInputError);
        expect((error as Error).message).toContain(spec.refusal);
      });
      continue;
    }

    it(`${name}: same keys, order, types and values as llama.cpp`, async () => {
      expect(oracle.error).toBeUndefined();
      // GGUFWriter starts with general.architecture; the tokenizer keys follow it.
      const expected = oracle.kv!.filter((kv) => kv.key !== "general.architecture");
      const metadata = await tokenizerToGgufMetadata({ dir, vocabSize: spec.vocab_size });
      const actual = [...metadata].map(([key, value]): OracleKv => {
        const kv: OracleKv = { key, type: GgufValueType[value.type], value: value.value };
        if (value.type === GgufValueType.ARRAY) kv.item_type = GgufValueType[value.itemType];
        return kv;
      });
      expect(actual.map((kv) => kv.key)).toEqual(expected.map((kv) => kv.key));
      for (const [index, kv] of expected.entries()) {
        expect({ ...actual[index], value: undefined }, kv.key).toEqual({ ...kv, value: undefined });
        expect(actual[index].value, kv.key).toEqual(kv.value);
      }
    });
  }
});
