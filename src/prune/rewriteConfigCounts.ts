/**
 * config.json with new head and expert counts, every other byte unchanged: the checkpoint's config
 * keeps Python's float spelling (`32.0`), key order and formatting, which a JSON round trip would
 * not. Falls back to re-serialising when a key is not spelled once as a plain integer.
 */
export function rewriteConfigCounts(params: { text: string; counts: Record<string, number>; file: string }): string {
  const { counts } = params;
  let text = params.text;
  for (const [key, value] of Object.entries(counts)) {
    const pattern = new RegExp(`("${key}"\\s*:\\s*)-?\\d+(?=\\s*[,}\\n])`, "g");
    const matches = text.match(pattern)?.length ?? 0;
    if (matches !== 1) {
      const config = JSON.parse(params.text) as Record<string, unknown>;
      for (const [k, v] of Object.entries(counts)) if (k in config || k === key) config[k] = v;
      return `${JSON.stringify(config, null, 2)}\n`;
    }
    text = text.replace(pattern, `$1${value}`);
  }
  const check = JSON.parse(text) as Record<string, unknown>;
  for (const [key, value] of Object.entries(counts)) {
    if (check[key] !== value) throw new Error(`rewriteConfigCounts: ${params.file}: ${key} did not become ${value}`); // unreachable: top-level keys only
  }
  return text;
}
