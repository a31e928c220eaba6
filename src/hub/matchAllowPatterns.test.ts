import { describe, expect, it } from "vitest";
import { isGlobPattern, matchAllowPatterns } from "./matchAllowPatterns.js";

describe("matchAllowPatterns", () => {
  it("`*` and `?` stay within a path segment: top-level patterns never reach original/ or metal/", () => {
    const m = matchAllowPatterns(["config.json", "model-*.safetensors", "*.jinja", "tokenizer?json"]);
    expect(m.matches("config.json")).toBe(true);
    expect(m.matches("model-00000-of-00002.safetensors")).toBe(true);
    expect(m.matches("chat_template.jinja")).toBe(true);
    expect(m.matches("tokenizer.json")).toBe(true);
    expect(m.matches("original/config.json")).toBe(false);
    expect(m.matches("original/model-00000.safetensors")).toBe(false);
    expect(m.matches("metal/model.bin")).toBe(false);
    expect(m.matches("a/tokenizer.json")).toBe(false);
  });

  it("`**` crosses directories; `**/` also matches none; dotfiles match like other names", () => {
    const m = matchAllowPatterns(["**/*.json", "original/**"]);
    expect(m.matches("config.json")).toBe(true);
    expect(m.matches("a/b/c.json")).toBe(true);
    expect(m.matches("original/x/y.bin")).toBe(true);
    expect(m.matches("metal/model.bin")).toBe(false);
    expect(matchAllowPatterns(["**"]).matches("any/path/at/all")).toBe(true);
    expect(matchAllowPatterns(["**"]).matches(".gitattributes")).toBe(true);
    expect(matchAllowPatterns(["*"]).matches(".gitattributes")).toBe(true);
    expect(matchAllowPatterns(["*"]).matches("a/.hidden")).toBe(false);
  });

  it("character classes as fnmatch writes them; regex metacharacters, `!` and parentheses are literal; braces expand", () => {
    const m = matchAllowPatterns(["model-0000[0-1]-*.safetensors", "a+b(c).txt", "[!x]y"]);
    expect(m.matches("model-00001-of-00002.safetensors")).toBe(true);
    expect(m.matches("model-00002-of-00002.safetensors")).toBe(false);
    expect(m.matches("a+b(c).txt")).toBe(true);
    expect(m.matches("aab(c).txt")).toBe(false);
    expect(m.matches("a+bc.txt")).toBe(false);
    expect(m.matches("zy")).toBe(true);
    expect(m.matches("xy")).toBe(false);
    expect(matchAllowPatterns(["!config.json"]).matches("tokenizer.json")).toBe(false);
    expect(matchAllowPatterns(["!config.json"]).matches("!config.json")).toBe(true);
    const braces = matchAllowPatterns(["{config,generation_config}.json"]);
    expect(["config.json", "generation_config.json", "tokenizer_config.json"].map((p) => braces.matches(p))).toEqual([true, true, false]);
  });

  it("reports the patterns that matched nothing", () => {
    const m = matchAllowPatterns(["config.json", "missing.json", "*.gguf"]);
    m.matches("config.json");
    expect(m.unmatched()).toEqual(["missing.json", "*.gguf"]);
    expect(isGlobPattern("*.gguf")).toBe(true);
    expect(isGlobPattern("missing.json")).toBe(false);
    expect(isGlobPattern("model(1).bin")).toBe(false);
  });
});
