import { InvalidInputError } from "../../errors.js";
import { GgufValueType, type GgufValue } from "../gguf/ggufValue.js";

/**
 * The keys GGUFWriter.add_chat_template writes for a chat template.
 *
 * A string becomes `tokenizer.chat_template`. A list of {name, template} choices becomes one
 * `tokenizer.chat_template.<name>` per named choice (name with every character other than ASCII letters
 * and digits replaced by "_"; choices without a name or template are skipped), then
 * `tokenizer.chat_templates` listing those names, then `tokenizer.chat_template` for the "default"
 * choice if there is one. Python builds that name list from a set, whose order varies between runs;
 * we keep first-seen order. A name seen twice keeps its first position and its last template, as
 * GGUFWriter's dict does.
 */
export function chatTemplateKeyValues(params: {
  chatTemplate: string | unknown[];
  sourcePath: string;
}): Array<[string, GgufValue]> {
  const { chatTemplate, sourcePath } = params;
  if (typeof chatTemplate === "string") return [["tokenizer.chat_template", { type: GgufValueType.STRING, value: chatTemplate }]];

  const namedTemplates = new Map<string, string>();
  let defaultTemplate: string | undefined;
  chatTemplate.forEach((choice, index) => {
    const where = `chat_template[${index}]`;
    if (typeof choice !== "object" || choice === null || Array.isArray(choice)) {
      throw new InvalidInputError(sourcePath, "expected an object with name and template", where);
    }
    const { name: rawName = "", template } = choice as Record<string, unknown>;
    if (typeof rawName !== "string") throw new InvalidInputError(sourcePath, "name must be a string", where);
    const name = rawName.replace(/[^A-Za-z0-9]/gu, "_");
    if (name === "" || template === undefined || template === null) return;
    if (typeof template !== "string") throw new InvalidInputError(sourcePath, "template must be a string", where);
    if (name === "default") defaultTemplate = template;
    else namedTemplates.set(name, template);
  });

  const keyValues: Array<[string, GgufValue]> = [];
  for (const [name, template] of namedTemplates) {
    keyValues.push([`tokenizer.chat_template.${name}`, { type: GgufValueType.STRING, value: template }]);
  }
  if (namedTemplates.size > 0) {
    keyValues.push(["tokenizer.chat_templates", { type: GgufValueType.ARRAY, itemType: GgufValueType.STRING, value: [...namedTemplates.keys()] }]);
  }
  if (defaultTemplate !== undefined) {
    keyValues.push(["tokenizer.chat_template", { type: GgufValueType.STRING, value: defaultTemplate }]);
  }
  return keyValues;
}
