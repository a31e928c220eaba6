/**
 * Allowlist globs for repository paths, matched by picomatch. Unlike Python's fnmatch (where `*`
 * also matches `/`), `*` and `?` stay within one path segment and only `**` crosses directories, so
 * `*.safetensors` means the top-level shards and never `original/…` or `metal/…`.
 *
 * The options keep an allowlist meaning only "these files": dotfiles match like any other name
 * (`**` takes `.gitattributes` too), `[!x]` negates a class as in fnmatch (posix), and a leading `!`,
 * an extglob such as `+(…)` or parentheses (a regex group to picomatch, `model(1).bin` would also
 * match `model1.bin`) are literal. Braces expand (`{config,generation_config}.json`).
 * What stays here is the bookkeeping picomatch has no notion of: which patterns matched nothing, so
 * a typo in an allowlist is reported instead of silently fetching less.
 */
import picomatch from "picomatch";

const OPTIONS: picomatch.PicomatchOptions = { dot: true, posix: true, nonegate: true, noextglob: true };

/** Parentheses are literal in a file name; picomatch would read them as a group even without extglobs. */
const literalParentheses = (pattern: string) => pattern.replace(/[()]/g, "\\$&");

export function isGlobPattern(pattern: string): boolean {
  return picomatch.scan(literalParentheses(pattern), OPTIONS).isGlob;
}

/** A matcher over repository paths; `unmatched()` lists the patterns that matched nothing so far. */
export function matchAllowPatterns(patterns: string[]): { matches(path: string): boolean; unmatched(): string[] } {
  const compiled = patterns.map((pattern) => ({ pattern, test: picomatch(literalParentheses(pattern), OPTIONS), hits: 0 }));
  return {
    matches(path) {
      let any = false;
      for (const entry of compiled) {
        if (entry.test(path)) {
          entry.hits++;
          any = true;
        }
      }
      return any;
    },
    unmatched: () => compiled.filter((e) => e.hits === 0).map((e) => e.pattern),
  };
}
