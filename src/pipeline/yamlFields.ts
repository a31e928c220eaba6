/**
 * Small, explicit validators for YAML/JSON objects. Each failure names the file, the key path and
 * the problem, which is what a user editing a pipeline or model file needs to fix it.
 */
import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import { InvalidInputError } from "../errors.js";

export type Fields = Record<string, unknown>;

export async function readYamlObject(file: string): Promise<Fields> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new InvalidInputError(file, `cannot read: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = parse(text, { uniqueKeys: true });
  } catch (error) {
    throw new InvalidInputError(file, `invalid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new InvalidInputError(file, "expected a mapping at the top level");
  }
  return value as Fields;
}

export function rejectUnknownKeys(obj: Fields, allowed: string[], file: string, at: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw new InvalidInputError(file, `unknown key (allowed: ${allowed.join(", ")})`, join(at, key));
    }
  }
}

export function join(at: string, key: string | number): string {
  if (typeof key === "number") return `${at}[${key}]`;
  return at ? `${at}.${key}` : key;
}

export function requireString(obj: Fields, key: string, file: string, at: string): string {
  const value = obj[key];
  if (typeof value !== "string" || value.length === 0) {
    throw new InvalidInputError(file, value === undefined ? "required" : "expected a non-empty string", join(at, key));
  }
  return value;
}

export function optionalString(obj: Fields, key: string, file: string, at: string): string | undefined {
  return obj[key] === undefined ? undefined : requireString(obj, key, file, at);
}

export function optionalInteger(
  obj: Fields,
  key: string,
  file: string,
  at: string,
  range: { min?: number; max?: number } = {},
): number | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new InvalidInputError(file, "expected an integer", join(at, key));
  }
  if ((range.min !== undefined && value < range.min) || (range.max !== undefined && value > range.max)) {
    throw new InvalidInputError(file, `out of range [${range.min ?? "-∞"}, ${range.max ?? "∞"}]: ${value}`, join(at, key));
  }
  return value;
}

export function optionalBoolean(obj: Fields, key: string, file: string, at: string): boolean | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") throw new InvalidInputError(file, "expected true or false", join(at, key));
  return value;
}

export function optionalEnum<T extends string>(
  obj: Fields,
  key: string,
  allowed: readonly T[],
  file: string,
  at: string,
): T | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidInputError(file, `expected one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`, join(at, key));
  }
  return value as T;
}

export function optionalStringList(obj: Fields, key: string, file: string, at: string): string[] | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string" || item.length === 0)) {
    throw new InvalidInputError(file, "expected a list of non-empty strings", join(at, key));
  }
  return value as string[];
}

export function requireObject(obj: Fields, key: string, file: string, at: string): Fields {
  const value = obj[key];
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new InvalidInputError(file, value === undefined ? "required" : "expected a mapping", join(at, key));
  }
  return value as Fields;
}
