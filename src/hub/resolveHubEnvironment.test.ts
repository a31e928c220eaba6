import { mkdtempSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveHubCacheDir } from "./resolveHubCacheDir.js";
import { resolveHubEnvironment } from "./resolveHubEnvironment.js";

describe("resolveHubCacheDir: the order huggingface_hub uses", () => {
  it("HF_HUB_CACHE, then HUGGINGFACE_HUB_CACHE, then HF_HOME/hub, then XDG_CACHE_HOME/huggingface/hub, then ~/.cache/huggingface/hub", () => {
    expect(resolveHubCacheDir({ HF_HUB_CACHE: "/a", HUGGINGFACE_HUB_CACHE: "/b", HF_HOME: "/c", XDG_CACHE_HOME: "/d" })).toBe("/a");
    expect(resolveHubCacheDir({ HUGGINGFACE_HUB_CACHE: "/b", HF_HOME: "/c", XDG_CACHE_HOME: "/d" })).toBe("/b");
    expect(resolveHubCacheDir({ HF_HOME: "/c", XDG_CACHE_HOME: "/d" })).toBe("/c/hub");
    expect(resolveHubCacheDir({ XDG_CACHE_HOME: "/d" })).toBe("/d/huggingface/hub");
    expect(resolveHubCacheDir({})).toBe(join(homedir(), ".cache", "huggingface", "hub"));
  });

  it("expands ~ like os.path.expanduser, and treats empty variables as unset", () => {
    expect(resolveHubCacheDir({ HF_HOME: "~/hf" })).toBe(join(homedir(), "hf", "hub"));
    expect(resolveHubCacheDir({ HF_HUB_CACHE: "", HF_HOME: "/c" })).toBe("/c/hub");
  });
});

describe("resolveHubEnvironment", () => {
  const home = mkdtempSync(join(tmpdir(), "oss-prep-hf-home-"));

  it("token: --token, then HF_TOKEN, then HUGGING_FACE_HUB_TOKEN, then the token file; reports only the source", () => {
    writeFileSync(join(home, "token"), "hf_fromfile\n");
    const base = { HF_HOME: home };
    expect(resolveHubEnvironment({ token: "hf_flag", env: { ...base, HF_TOKEN: "hf_env" } })).toMatchObject({ accessToken: "hf_flag", tokenSource: "--token" });
    expect(resolveHubEnvironment({ env: { ...base, HF_TOKEN: "hf_env", HUGGING_FACE_HUB_TOKEN: "hf_old" } })).toMatchObject({ accessToken: "hf_env", tokenSource: "HF_TOKEN" });
    expect(resolveHubEnvironment({ env: { ...base, HUGGING_FACE_HUB_TOKEN: "hf_old" } })).toMatchObject({ accessToken: "hf_old", tokenSource: "HUGGING_FACE_HUB_TOKEN" });
    expect(resolveHubEnvironment({ env: base })).toMatchObject({ accessToken: "hf_fromfile", tokenSource: `the token file ${join(home, "token")}` });
    expect(resolveHubEnvironment({ env: { HF_HOME: join(home, "none") } }).accessToken).toBeUndefined();
  });

  it("refuses a token that is not a Hugging Face token, without echoing it", () => {
    expect(() => resolveHubEnvironment({ token: "secret123", env: { HF_HOME: join(home, "none") } })).toThrow(/^--token: a Hugging Face access token starts with "hf_"/);
    try {
      resolveHubEnvironment({ env: { HF_TOKEN: "secret123", HF_HOME: join(home, "none") } });
    } catch (error) {
      expect((error as Error).message).not.toContain("secret123");
      expect((error as { exitCode: number }).exitCode).toBe(2);
    }
  });

  it("endpoint: --hub-url, then HF_ENDPOINT, then huggingface.co; without a trailing slash", () => {
    const env = { HF_HOME: join(home, "none") };
    expect(resolveHubEnvironment({ env }).endpoint).toBe("https://huggingface.co");
    expect(resolveHubEnvironment({ env: { ...env, HF_ENDPOINT: "https://hf-mirror.example/" } }).endpoint).toBe("https://hf-mirror.example");
    expect(resolveHubEnvironment({ hubUrl: "http://127.0.0.1:8080", env: { ...env, HF_ENDPOINT: "https://x" } }).endpoint).toBe("http://127.0.0.1:8080");
    expect(() => resolveHubEnvironment({ hubUrl: "ftp://x", env })).toThrow(/--hub-url: expected an http\(s\) URL/);
  });

  it("a Hub URL with user:password@ is refused without printing the password (issue 16, item 13)", () => {
    const env = { HF_HOME: join(home, "none") };
    for (const [hubUrl, env2] of [["https://alice:s3cret@hub.example", env], [undefined, { ...env, HF_ENDPOINT: "https://alice:s3cret@hub.example/" }], ["ftp://alice:s3cret@x", env]] as const) {
      let message = "";
      try {
        resolveHubEnvironment({ hubUrl, env: env2 });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/credentials|expected an http/);
      expect(message).not.toContain("s3cret");
    }
  });

  it("HF_HUB_OFFLINE accepts 1, ON, YES, TRUE in any case", () => {
    const env = { HF_HOME: join(home, "none") };
    for (const value of ["1", "on", "YES", "True"]) expect(resolveHubEnvironment({ env: { ...env, HF_HUB_OFFLINE: value } }).offline).toBe(true);
    for (const value of ["0", "", "false", "no"]) expect(resolveHubEnvironment({ env: { ...env, HF_HUB_OFFLINE: value } }).offline).toBe(false);
  });
});
