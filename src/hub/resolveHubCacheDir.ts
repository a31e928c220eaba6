/**
 * Where the Hugging Face cache lives, resolved exactly as huggingface_hub (Python) resolves it, so
 * that oss-prep, transformers, `hf download` and llama.cpp's converter scripts share one copy of
 * the weights instead of each downloading 13 GB.
 */
import { homedir } from "node:os";
import { join } from "node:path";

/** `~` and `~/…` as Python's os.path.expanduser does (environment values may carry them). */
function expandUser(path: string): string {
  if (path === "~") return homedir();
  if (path.startsWith("~/")) return join(homedir(), path.slice(2));
  return path;
}

/**
 * `HF_HOME`, defaulting to `$XDG_CACHE_HOME/huggingface` with `XDG_CACHE_HOME` defaulting to
 * `~/.cache`. An empty variable counts as unset (Python would make it a relative path, which is
 * never what anyone meant).
 */
export function resolveHfHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HOME) return expandUser(env.HF_HOME);
  return join(env.XDG_CACHE_HOME ? expandUser(env.XDG_CACHE_HOME) : join(homedir(), ".cache"), "huggingface");
}

/**
 * `HF_HUB_CACHE`, else the legacy `HUGGINGFACE_HUB_CACHE`, else `$HF_HOME/hub`: the order of
 * huggingface_hub's constants.py.
 */
export function resolveHubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return expandUser(env.HF_HUB_CACHE);
  if (env.HUGGINGFACE_HUB_CACHE) return expandUser(env.HUGGINGFACE_HUB_CACHE);
  return join(resolveHfHome(env), "hub");
}
