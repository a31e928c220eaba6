/**
 * A memory size as users write it: `32GB`, `64 GiB`, `512MiB`. Like GPU specs, a "GB" is a GiB
 * (a 32 GB machine has 32,768 MiB). Returns MiB, or undefined when the text is not a size.
 */
export function parseMemorySize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(GB|GiB|G|MiB|MB|M|TB|TiB|T)\s*$/i.exec(text);
  if (!m) return undefined;
  const value = Number(m[1]);
  const unit = m[2].toUpperCase();
  const mib = unit.startsWith("T") ? value * 1024 * 1024 : unit.startsWith("G") ? value * 1024 : value;
  return mib > 0 && Number.isFinite(mib) ? mib : undefined;
}
