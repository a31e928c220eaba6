/**
 * Allowlist globs for repository paths. Unlike Python's fnmatch (where `*` also matches `/`), `*`
 * and `?` stay within one path segment and only `**` crosses directories, so `*.safetensors` means
 * the top-level shards and never `original/…` or `metal/…`.
 */
function globToRegExp(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") {
      if (pattern[i + 1] === "*") {
        // `**/` matches zero or more directories; a trailing `**` matches everything below
        if (pattern[i + 2] === "/") {
          source += "(?:.*/)?";
          i += 2;
        } else {
          source += ".*";
          i += 1;
        }
      } else source += "[^/]*";
    } else if (c === "?") source += "[^/]";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end === -1) source += "\\[";
      else {
        const body = pattern.slice(i + 1, end).replace(/\\/g, "\\\\");
        source += `[${body.startsWith("!") ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else source += c.replace(/[.+^${}()|\\/]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

export function isGlobPattern(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/** A matcher over repository paths; `unmatched()` lists the patterns that matched nothing so far. */
export function matchAllowPatterns(patterns: string[]): { matches(path: string): boolean; unmatched(): string[] } {
  const compiled = patterns.map((pattern) => ({ pattern, regexp: globToRegExp(pattern), hits: 0 }));
  return {
    matches(path) {
      let any = false;
      for (const entry of compiled) {
        if (entry.regexp.test(path)) {
          entry.hits++;
          any = true;
        }
      }
      return any;
    },
    unmatched: () => compiled.filter((e) => e.hits === 0).map((e) => e.pattern),
  };
}
