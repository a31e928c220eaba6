/**
 * A small strict JSON parser for safetensors headers and index files.
 *
 * Why not `JSON.parse`: it silently keeps the last of duplicate keys (a header naming one tensor twice
 * would lose a tensor without notice), it reorders integer-like keys ("0", "1") ahead of the others (we
 * promise the header's own key order), and it turns integers beyond 2^53 into nearby doubles (a corrupt
 * offset could round to a plausible one). This parser:
 * - returns objects as `Map`s in source order and rejects duplicate keys;
 * - returns integer literals (no fraction, no exponent) as `bigint` so callers can check them exactly, and
 *   every other number as `number`; very long integer literals become `number` (Infinity or a rounded
 *   double) instead of a multi-megabyte BigInt, which callers reject as "not a safe integer" anyway;
 * - limits nesting depth, so hostile input cannot exhaust the stack;
 * - throws only `JsonSyntaxError` (with the character position).
 *
 * The lossless JSON libraries do not do this either (docs/architecture.md, "Our code or a library"):
 * lossless-json and json-bigint keep integers exact but return plain objects, so integer-like keys
 * still move first, and lossless-json accepts a duplicate key whose value is the same.
 */
export type JsonValue = null | boolean | string | number | bigint | JsonValue[] | JsonObject;
export type JsonObject = Map<string, JsonValue>;

export class JsonSyntaxError extends Error {
  constructor(
    readonly problem: string,
    readonly position: number,
  ) {
    super(`${problem} at character ${position}`);
    this.name = "JsonSyntaxError";
  }
}

/** Integer literals longer than this are returned as `number`: 24 chars covers every u64 with sign. */
const MAX_BIGINT_LITERAL_LENGTH = 24;

export function parseStrictJson(text: string, options: { maxDepth?: number } = {}): JsonValue {
  const maxDepth = options.maxDepth ?? 64;
  let pos = 0;

  // A function declaration (not an arrow) so TypeScript treats calls as never returning.
  function fail(problem: string, at = pos): never {
    throw new JsonSyntaxError(problem, at);
  }

  const skipWhitespace = (): void => {
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else return;
    }
  };

  const parseString = (): string => {
    // Caller has checked text[pos] === '"'.
    pos++;
    let out = "";
    let runStart = pos;
    for (;;) {
      if (pos >= text.length) fail("unterminated string");
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        out += text.slice(runStart, pos);
        pos++;
        return out;
      }
      if (c < 0x20) fail("control character in string");
      if (c !== 0x5c) {
        pos++;
        continue;
      }
      out += text.slice(runStart, pos);
      const e = text[pos + 1];
      switch (e) {
        case '"':
          out += '"';
          break;
        case "\\":
          out += "\\";
          break;
        case "/":
          out += "/";
          break;
        case "b":
          out += "\b";
          break;
        case "f":
          out += "\f";
          break;
        case "n":
          out += "\n";
          break;
        case "r":
          out += "\r";
          break;
        case "t":
          out += "\t";
          break;
        case "u": {
          const hex = text.slice(pos + 2, pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("bad \\u escape");
          out += String.fromCharCode(parseInt(hex, 16));
          pos += 4;
          break;
        }
        default:
          fail("bad escape in string");
      }
      pos += 2;
      runStart = pos;
    }
  };

  const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
  const parseNumber = (): number | bigint => {
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (m === null) return fail("bad number");
    const lexeme = m[0];
    pos += lexeme.length;
    const isInteger = m[1] === undefined && m[2] === undefined;
    if (isInteger && lexeme.length <= MAX_BIGINT_LITERAL_LENGTH) return BigInt(lexeme);
    return Number(lexeme);
  };

  const parseLiteral = <T>(word: string, value: T): T => {
    if (!text.startsWith(word, pos)) fail("unexpected character");
    pos += word.length;
    return value;
  };

  const parseValue = (depth: number): JsonValue => {
    skipWhitespace();
    const c = text[pos];
    switch (c) {
      case "{": {
        if (depth >= maxDepth) fail("nesting too deep");
        pos++;
        const obj: JsonObject = new Map();
        skipWhitespace();
        if (text[pos] === "}") {
          pos++;
          return obj;
        }
        for (;;) {
          skipWhitespace();
          if (text[pos] !== '"') fail("expected a string key");
          const keyAt = pos;
          const key = parseString();
          if (obj.has(key)) fail(`duplicate key ${JSON.stringify(key)}`, keyAt);
          skipWhitespace();
          if (text[pos] !== ":") fail("expected ':'");
          pos++;
          obj.set(key, parseValue(depth + 1));
          skipWhitespace();
          if (text[pos] === ",") {
            pos++;
            continue;
          }
          if (text[pos] === "}") {
            pos++;
            return obj;
          }
          fail("expected ',' or '}'");
        }
      }
      case "[": {
        if (depth >= maxDepth) fail("nesting too deep");
        pos++;
        const arr: JsonValue[] = [];
        skipWhitespace();
        if (text[pos] === "]") {
          pos++;
          return arr;
        }
        for (;;) {
          arr.push(parseValue(depth + 1));
          skipWhitespace();
          if (text[pos] === ",") {
            pos++;
            continue;
          }
          if (text[pos] === "]") {
            pos++;
            return arr;
          }
          fail("expected ',' or ']'");
        }
      }
      case '"':
        return parseString();
      case "t":
        return parseLiteral("true", true);
      case "f":
        return parseLiteral("false", false);
      case "n":
        return parseLiteral("null", null);
      case undefined:
        return fail("unexpected end of JSON");
      default:
        if (c === "-" || (c >= "0" && c <= "9")) return parseNumber();
        return fail("unexpected character");
    }
  };

  const value = parseValue(0);
  skipWhitespace();
  if (pos !== text.length) fail("unexpected data after the JSON value");
  return value;
}
