/**
 * The Hub settings a command runs with — endpoint, token, offline mode, cache directory — from
 * flags first, then the environment variables the Python tools read, so one configuration serves
 * both. The token is only ever held in memory: callers report `tokenSource`, never the token.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../errors.js";
import { resolveHfHome, resolveHubCacheDir } from "./resolveHubCacheDir.js";

export const DEFAULT_HUB_ENDPOINT = "https://huggingface.co";

export interface HubEnvironment {
  /** Base URL without a trailing slash. */
  endpoint: string;
  accessToken?: string;
  /** Where the token came from, for messages ("--token", "HF_TOKEN", "the token file ~/.cache/huggingface/token"). */
  tokenSource?: string;
  /** HF_HUB_OFFLINE: use the cache only, never the network. */
  offline: boolean;
  cacheDir: string;
}

/** huggingface_hub's `_is_true`: 1, ON, YES, TRUE in any case. */
function isTrue(value: string | undefined): boolean {
  return value !== undefined && ["1", "ON", "YES", "TRUE"].includes(value.trim().toUpperCase());
}

function readTokenFile(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim() || undefined;
  } catch {
    return undefined; // no stored login: anonymous access
  }
}

export function resolveHubEnvironment(params: {
  /** --token */
  token?: string;
  /** --hub-url */
  hubUrl?: string;
  env?: NodeJS.ProcessEnv;
}): HubEnvironment {
  const env = params.env ?? process.env;
  const rawEndpoint = params.hubUrl ?? (env.HF_ENDPOINT || DEFAULT_HUB_ENDPOINT);
  const endpointFrom = params.hubUrl !== undefined ? "--hub-url" : "HF_ENDPOINT";
  let endpoint: string;
  // credentials in the URL would be printed by every message that names the endpoint: refused, and
  // never echoed (the token goes in --token / HF_TOKEN)
  const shown = rawEndpoint.replace(/\/\/[^/@]*@/, "//…@");
  let url: URL;
  try {
    url = new URL(rawEndpoint);
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("not http(s)");
  } catch {
    throw new UsageError(`${endpointFrom}: expected an http(s) URL, got ${JSON.stringify(shown)}`);
  }
  if (url.username || url.password) throw new UsageError(`${endpointFrom}: ${JSON.stringify(shown)} carries credentials (user:password@); give the Hub URL without them and the token with --token or HF_TOKEN`);
  endpoint = url.href.replace(/\/+$/, "");

  // Order of huggingface_hub's get_token(): explicit, HF_TOKEN, the deprecated
  // HUGGING_FACE_HUB_TOKEN, then the file `hf auth login` writes.
  let accessToken: string | undefined;
  let tokenSource: string | undefined;
  const tokenFile = env.HF_TOKEN_PATH || join(resolveHfHome(env), "token");
  for (const [source, value] of [
    ["--token", params.token],
    ["HF_TOKEN", env.HF_TOKEN],
    ["HUGGING_FACE_HUB_TOKEN", env.HUGGING_FACE_HUB_TOKEN],
  ] as const) {
    if (value?.trim()) {
      accessToken = value.trim();
      tokenSource = source;
      break;
    }
  }
  if (!accessToken) {
    accessToken = readTokenFile(tokenFile);
    if (accessToken) tokenSource = `the token file ${tokenFile}`;
  }
  // @huggingface/hub rejects other tokens with a TypeError; say it here, without echoing the value.
  if (accessToken && !accessToken.startsWith("hf_")) {
    throw new UsageError(`${tokenSource}: a Hugging Face access token starts with "hf_" (create one at ${endpoint}/settings/tokens)`);
  }

  return {
    endpoint,
    accessToken,
    tokenSource,
    offline: isTrue(env.HF_HUB_OFFLINE),
    cacheDir: resolveHubCacheDir(env),
  };
}
