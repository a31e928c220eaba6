import { describe, expect, it } from "vitest";
import { GgufValueType } from "../gguf/ggufValue.js";
import { chatTemplateKeyValues } from "./chatTemplateKeyValues.js";

describe("chatTemplateKeyValues", () => {
  it("writes a string template as tokenizer.chat_template", () => {
    expect(chatTemplateKeyValues({ chatTemplate: "T", sourcePath: "x" })).toEqual([
      ["tokenizer.chat_template", { type: GgufValueType.STRING, value: "T" }],
    ]);
  });

  it("writes named choices first, then their names, then the default; names are sanitised", () => {
    const keyValues = chatTemplateKeyValues({
      chatTemplate: [
        { name: "rag-v2", template: "R1" },
        { name: "default", template: "D" },
        { name: "tool use", template: "T" },
        { name: "rag_v2", template: "R2" }, // same key after sanitising: keeps its place, last template wins
        { template: "no name" },
        { name: "no_template" },
      ],
      sourcePath: "x",
    });
    expect(keyValues).toEqual([
      ["tokenizer.chat_template.rag_v2", { type: GgufValueType.STRING, value: "R2" }],
      ["tokenizer.chat_template.tool_use", { type: GgufValueType.STRING, value: "T" }],
      ["tokenizer.chat_templates", { type: GgufValueType.ARRAY, itemType: GgufValueType.STRING, value: ["rag_v2", "tool_use"] }],
      ["tokenizer.chat_template", { type: GgufValueType.STRING, value: "D" }],
    ]);
  });

  it("writes no tokenizer.chat_template when no choice is named default", () => {
    const keys = chatTemplateKeyValues({ chatTemplate: [{ name: "a", template: "A" }], sourcePath: "x" }).map(([key]) => key);
    expect(keys).toEqual(["tokenizer.chat_template.a", "tokenizer.chat_templates"]);
  });
});
