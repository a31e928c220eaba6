/**
 * Python truth value of a JSON value (None, False, 0, "", [] and {} are false). llama.cpp's SpecialVocab
 * branches on `if not special_bos` and the like, so its JSON inputs are judged with these rules.
 */
export function isPythonTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return true;
}
