/**
 * Python `==` between two JSON values: deep for lists and dicts, and True == 1, False == 0 as in Python.
 * SpecialVocab compares token entries (strings or {"content": …} dicts) with it.
 */
export function pythonEquals(left: unknown, right: unknown): boolean {
  const a = typeof left === "boolean" ? Number(left) : left;
  const b = typeof right === "boolean" ? Number(right) : right;
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") {
    // JSON null is Python None; undefined stands for a missing key, which the callers read as None too.
    return (a === null || a === undefined) && (b === null || b === undefined);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bList = b as unknown[];
    return a.length === bList.length && a.every((item, index) => pythonEquals(item, bList[index]));
  }
  const aKeys = Object.keys(a);
  const bRecord = b as Record<string, unknown>;
  return (
    aKeys.length === Object.keys(bRecord).length &&
    aKeys.every((key) => Object.hasOwn(bRecord, key) && pythonEquals((a as Record<string, unknown>)[key], bRecord[key]))
  );
}
