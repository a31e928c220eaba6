import { readdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { InvalidInputError } from "../../errors.js";
import { isPythonTruthy } from "./pythonSemantics.js";
import { pythonEquals } from "./pythonEquals.js";
import { readCheckpointJson } from "./readCheckpointJson.js";
import { readCheckpointText } from "./readCheckpointText.js";

/** What llama.cpp's gguf.SpecialVocab collects besides merges, in the order it will write it. */
export interface SpecialVocab {
  /** Special token type ("bos", "eos", "pad", …) → id, in first-set order (Python dict order). */
  specialTokenIds: Map<string, number>;
  /** Special token type → whether to add it when tokenizing ("add_bos_token" …), in first-set order. */
  addSpecialToken: Map<string, boolean>;
  /** The chat template: a string, a list of {name, template} choices, or null for none. */
  chatTemplate: string | unknown[] | null;
}

type JsonObject = Record<string, unknown>;

/**
 * Reads special token ids, add_*_token flags and the chat template exactly as llama.cpp's
 * gguf.SpecialVocab(dir, load_merges=True) does (vocab.py: _try_load_from_tokenizer_json, then
 * _try_load_from_config_json):
 *
 * 1. tokenizer.json's post_processor: a RobertaProcessing or a TemplateProcessing sets add_bos/eos/sep
 *    and may fill in bos/eos/cls/sep/eot/eom tokens of tokenizer_config (in memory).
 * 2. Only with a non-empty tokenizer_config.json: the chat template — tokenizer_config's `chat_template`
 *    key wins whenever present (even null), else chat_template.jinja (plus additional_chat_templates/
 *    *.jinja as named choices), else chat_template.json; then for bos, eos, unk, sep, pad, cls, mask
 *    (+ eot, eom when step 1 added them): `add_<type>_token` booleans, and `<type>_token` (string or
 *    {content}) looked up by content in tokenizer.json's added_tokens (first match, its file id).
 * 3. config.json's `<type>_token_id` (or text_config's) for the types still unset; integers only, so
 *    a list such as generation_config's eos_token_id [a, b] is ignored. generation_config.json is not
 *    read at all (llama.cpp uses it only for general.sampling.* metadata).
 */
export async function loadSpecialVocab(params: {
  dir: string;
  tokenizerJson: JsonObject | undefined;
  tokenizerConfig: JsonObject | undefined;
  config: JsonObject | undefined;
  tokenizerPath: string;
  configPath: string;
}): Promise<SpecialVocab> {
  const { dir, tokenizerJson, config, tokenizerPath, configPath } = params;
  // SpecialVocab edits tokenizer_config in memory (filling in bos/eos/cls/sep/eot/eom); keep the caller's copy intact.
  const tokenizerConfig = params.tokenizerConfig === undefined ? undefined : { ...params.tokenizerConfig };
  const result: SpecialVocab = { specialTokenIds: new Map(), addSpecialToken: new Map(), chatTemplate: null };
  const specialTokenTypes = ["bos", "eos", "unk", "sep", "pad", "cls", "mask"];

  const setSpecialToken = (type: string, id: unknown, file: string, key: string): void => {
    // Python's isinstance(id, int) is also true for booleans; lists and None are ignored, and so are floats —
    // except that JSON.parse cannot tell 5.0 from 5, so an id written as 5.0 is taken here but not there.
    const tokenId = typeof id === "boolean" ? Number(id) : id;
    if (typeof tokenId !== "number" || !Number.isInteger(tokenId)) return;
    if (tokenId < 0) throw new InvalidInputError(file, `invalid value for special token type ${type}: ${tokenId}`, key);
    if (tokenId > 0xffffffff) throw new InvalidInputError(file, `special token id ${tokenId} does not fit in uint32`, key);
    if (!result.specialTokenIds.has(type)) result.specialTokenIds.set(type, tokenId);
  };

  const addedTokens = Array.isArray(tokenizerJson?.added_tokens) ? (tokenizerJson.added_tokens as unknown[]) : [];
  if (tokenizerJson !== undefined && isPythonTruthy(tokenizerJson)) {
    readPostProcessor({ tokenizerJson, tokenizerConfig, specialTokenTypes, result, tokenizerPath });
  }

  if (tokenizerConfig !== undefined && isPythonTruthy(tokenizerConfig)) {
    const alternative = await readChatTemplateFiles(dir);
    const chatTemplate = Object.hasOwn(tokenizerConfig, "chat_template") ? tokenizerConfig.chat_template : alternative;
    // Any other type is ignored with a warning there.
    if (chatTemplate === null || chatTemplate === undefined) result.chatTemplate = null;
    else if (typeof chatTemplate === "string" || Array.isArray(chatTemplate)) result.chatTemplate = chatTemplate;

    for (const type of specialTokenTypes) {
      const addEntry = tokenizerConfig[`add_${type}_token`];
      if (typeof addEntry === "boolean") result.addSpecialToken.set(type, addEntry);
      const entry = tokenizerConfig[`${type}_token`];
      let content: string;
      if (typeof entry === "string") content = entry;
      else if (typeof entry === "object" && entry !== null && !Array.isArray(entry) && typeof (entry as JsonObject).content === "string") {
        content = (entry as JsonObject).content as string;
      } else continue;
      const match = addedTokens.find((token) => isObject(token) && token.content === content);
      setSpecialToken(type, isObject(match) ? match.id : undefined, tokenizerPath, `added_tokens (${type}_token)`);
    }
  }

  if (config !== undefined) {
    const textConfig = config.text_config;
    for (const type of specialTokenTypes) {
      let id = config[`${type}_token_id`];
      if ((id === undefined || id === null) && isObject(textConfig)) id = textConfig[`${type}_token_id`];
      setSpecialToken(type, id, configPath, `${type}_token_id`);
    }
  }
  return result;
}

/**
 * The post_processor part of _try_load_from_tokenizer_json. Its TemplateProcessing parsing is crude on
 * purpose (it says so); this follows it branch for branch so that odd templates come out the same.
 */
function readPostProcessor(params: {
  tokenizerJson: JsonObject;
  tokenizerConfig: JsonObject | undefined;
  specialTokenTypes: string[];
  result: SpecialVocab;
  tokenizerPath: string;
}): void {
  const { tokenizerJson, tokenizerConfig, specialTokenTypes, result, tokenizerPath } = params;
  const config = tokenizerConfig;
  const configTruthy = (): boolean => config !== undefined && isPythonTruthy(config);
  let specialBos = config?.bos_token;
  let specialCls = config?.cls_token;
  let specialEos = config?.eos_token;
  let specialSep = config?.sep_token;
  if (!isPythonTruthy(specialBos) && isPythonTruthy(specialCls) && configTruthy()) config!.bos_token = specialBos = specialCls;
  if (!isPythonTruthy(specialEos) && isPythonTruthy(specialSep) && configTruthy()) config!.eos_token = specialEos = specialSep;

  const postProcessor = tokenizerJson.post_processor;
  if (!isPythonTruthy(postProcessor)) return;
  if (!isObject(postProcessor)) throw new InvalidInputError(tokenizerPath, "post_processor must be an object", "post_processor");
  const processors = Object.hasOwn(postProcessor, "processors") ? postProcessor.processors : [postProcessor];
  if (!Array.isArray(processors)) throw new InvalidInputError(tokenizerPath, "processors must be a list", "post_processor.processors");

  const specialId = (piece: unknown): unknown => {
    const special = isObject(piece) ? piece.SpecialToken : undefined;
    return isObject(special) ? special.id : undefined;
  };
  const sequenceId = (piece: unknown): unknown => {
    const sequence = isObject(piece) ? piece.Sequence : undefined;
    return isObject(sequence) ? sequence.id : undefined;
  };
  const isOneOf = (value: unknown, ...candidates: unknown[]): boolean => candidates.some((candidate) => pythonEquals(value, candidate));

  for (const processor of processors) {
    if (!isObject(processor)) continue;
    if (processor.type === "RobertaProcessing") {
      result.addSpecialToken.set("bos", true);
      result.addSpecialToken.set("eos", true);
      result.addSpecialToken.set("sep", true);
      if (!isPythonTruthy(specialCls) && configTruthy()) {
        const cls = Object.hasOwn(processor, "cls") ? processor.cls : [specialBos];
        specialCls = Array.isArray(cls) ? cls[0] : undefined;
        config!.cls_token = specialCls;
      }
      if (!isPythonTruthy(specialSep) && configTruthy()) {
        const sep = Object.hasOwn(processor, "sep") ? processor.sep : [specialEos];
        specialSep = Array.isArray(sep) ? sep[0] : undefined;
        config!.sep_token = specialSep;
      }
      continue;
    }
    if (processor.type !== "TemplateProcessing") continue;
    const single = Array.isArray(processor.single) ? processor.single : [];
    let pair = Array.isArray(processor.pair) ? processor.pair : [];
    let specialFirst: unknown;
    let specialLast: unknown;
    if (single.length > 1) {
      specialFirst = specialId(single[0]);
      if (isPythonTruthy(specialFirst)) {
        if (!configTruthy()) {
          specialBos = specialFirst;
        } else if (!isOneOf(specialFirst, specialBos, specialCls)) {
          if (!isPythonTruthy(specialBos)) config!.bos_token = specialBos = specialFirst;
          if (!isPythonTruthy(specialCls)) config!.cls_token = specialCls = specialFirst;
        }
        result.addSpecialToken.set("bos", isOneOf(specialFirst, specialBos, specialCls));
      }
      specialLast = specialId(single[single.length - 1]);
      if (isPythonTruthy(specialLast)) {
        if (!configTruthy()) {
          specialEos = specialLast;
        } else if (!pythonEquals(specialLast, specialEos)) {
          if (!specialTokenTypes.includes("eot")) {
            specialTokenTypes.push("eot");
            config!.eot_token = specialEos;
          } else if (!specialTokenTypes.includes("eom")) {
            specialTokenTypes.push("eom");
            config!.eom_token = specialEos;
          }
          config!.eos_token = specialEos = specialLast;
        }
        result.addSpecialToken.set("eos", pythonEquals(specialLast, specialEos));
      }
    }
    if (pair.length > 0) {
      const start = isPythonTruthy(specialFirst) && pythonEquals(specialId(pair[0]), specialFirst) ? 1 : 0;
      const stop = isPythonTruthy(specialLast) && pythonEquals(specialId(pair[pair.length - 1]), specialLast) ? pair.length - 1 : pair.length;
      pair = pair.slice(start, Math.max(start, stop));
      if (pair.length > 0) {
        const first = sequenceId(pair[0]);
        const last = sequenceId(pair[pair.length - 1]);
        const middle = pair.slice(1, -1);
        if (first === "A" && last === "B" && middle.length > 0) {
          let addSep = false;
          const entry = specialId(middle[0]);
          if (isPythonTruthy(entry) && isOneOf(entry, specialSep, specialEos) && !isPythonTruthy(specialLast)) addSep = true;
          if (middle.length === 2) {
            const second = specialId(middle[1]);
            if (isPythonTruthy(second) && isOneOf(second, specialSep, specialEos)) addSep = true;
          }
          result.addSpecialToken.set("sep", addSep);
          if (addSep && !isPythonTruthy(specialSep) && configTruthy()) config!.sep_token = specialEos;
        }
      }
    }
  }
}

/**
 * The chat template files SpecialVocab falls back to when tokenizer_config.json has no chat_template:
 * chat_template.jinja (with additional_chat_templates/*.jinja it becomes a list whose first choice is
 * "default"), else chat_template.json's "chat_template". Python lists additional templates in directory
 * order, which is not stable; we sort them by file name.
 */
async function readChatTemplateFiles(dir: string): Promise<unknown> {
  const jinjaPath = join(dir, "chat_template.jinja");
  const jinja = await readCheckpointText({ path: jinjaPath, optional: true });
  if (jinja !== undefined) {
    const additionalDir = join(dir, "additional_chat_templates");
    let names: string[] = [];
    try {
      names = (await readdir(additionalDir, { withFileTypes: true }))
        .filter((entry) => entry.name.endsWith(".jinja") && !entry.isDirectory())
        .map((entry) => entry.name)
        .sort();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
    }
    if (names.length === 0) return jinja;
    const choices: Array<{ name: string; template: string }> = [{ name: "default", template: jinja }];
    for (const name of names) {
      const template = (await readCheckpointText({ path: join(additionalDir, name) })) as string;
      choices.push({ name: basename(name, ".jinja"), template });
    }
    return choices;
  }
  const jsonPath = join(dir, "chat_template.json");
  const json = await readCheckpointJson({ path: jsonPath, optional: true });
  if (json === undefined) return undefined;
  if (!isObject(json)) throw new InvalidInputError(jsonPath, "expected a JSON object");
  return json.chat_template;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
