/**
 * Absolute local paths — a whole value or inside a sentence ("Q5_K_M from checkpoint /home/…/model") —
 * reduced to `…/<last component>`: what a build publishes says which file, never where the builder
 * keeps it (work dir, Hugging Face cache, home). A path starts at the beginning or after a space, a
 * quote, `(`, `=` or `[`; URLs are left alone (their `//` follows a colon), so are relative paths.
 */
const PATH = /(^|[\s(='"`[])(\/(?!\/)[^\s'"`()\],;]*|[A-Za-z]:\\[^\s'"`()\],;]*)/g;

/** A copy of a string or JSON value with every absolute local path redacted (see the module comment). */
export function redactLocalPaths<T>(value: T): T {
  if (typeof value === "string") return value.replace(PATH, (_match, before: string, path: string) => `${before}…/${path.split(/[\\/]/).filter(Boolean).pop() ?? ""}`) as T;
  if (Array.isArray(value)) return value.map((v) => redactLocalPaths(v)) as T;
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactLocalPaths(v)])) as T;
  return value;
}
