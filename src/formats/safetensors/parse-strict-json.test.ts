import { describe, expect, it } from "vitest";
import { JsonSyntaxError, parseStrictJson } from "./parse-strict-json.js";

describe("parseStrictJson", () => {
  it("keeps object keys in source order, integer-like ones included", () => {
    const value = parseStrictJson('{"b":1,"10":2,"a":3,"2":4}') as Map<string, unknown>;
    expect([...value.keys()]).toEqual(["b", "10", "a", "2"]);
  });

  it("returns integers exactly as bigint and other numbers as number", () => {
    expect(parseStrictJson("[0,-3,18446744073709551615,1.5,1e3,-0.25E-2]")).toEqual([0n, -3n, 18446744073709551615n, 1.5, 1000, -0.0025]);
    // A huge literal is not turned into a huge BigInt.
    expect(parseStrictJson(`1${"0".repeat(400)}`)).toBe(Infinity);
  });

  it("decodes strings and escapes like JSON.parse", () => {
    const text = String.raw`["a\"b\\c\/d\b\f\n\r\t", "\u00e9\ud83d\ude00", "é😀"]`;
    expect(parseStrictJson(text)).toEqual(JSON.parse(text));
    expect(parseStrictJson(' \n\t{ "x" : [ true , false , null ] } \r\n')).toEqual(new Map([["x", [true, false, null]]]));
  });

  it("rejects what JSON rejects, duplicate keys and excessive nesting", () => {
    const bad = ["", "{", '{"a":1,}', "[1,]", "01", "1.", ".5", "+1", "'a'", '"\u0001"', '"\\x"', '"\\u12"', "nul", "{} {}", "\ufeff{}", "NaN"];
    for (const text of bad) {
      expect(() => parseStrictJson(text), text).toThrow(JsonSyntaxError);
      expect(() => JSON.parse(text), text).toThrow(SyntaxError);
    }
    expect(() => parseStrictJson('{"a":1,"a":2}')).toThrow(/duplicate key "a"/);
    expect(() => parseStrictJson("[".repeat(65) + "]".repeat(65))).toThrow(/nesting too deep/);
    expect(parseStrictJson("[".repeat(64) + "]".repeat(64))).toBeDefined();
    expect(() => parseStrictJson("[".repeat(1_000_000))).toThrow(JsonSyntaxError);
  });
});
