/**
 * CMMLU from the Hub dataset `haonan-li/cmmlu`, through @huggingface/hub, cached under oss-prep's
 * work dir. The repository has held the data in two layouts: the release archive
 * (`cmmlu_v1_0_1.zip` with `dev/*.csv` and `test/*.csv`) and plain CSV folders; both are handled.
 * The cache holds the extracted CSVs plus subjects.json (the built-in table), written into a
 * partial directory that is renamed into place only when complete, so an interrupted download is
 * never read as data. A finished copy is used without the network (and is all HF_HUB_OFFLINE allows).
 */
import { existsSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { EnvironmentError } from "../../errors.js";
import { readZipEntries } from "../../formats/zip/readZipEntries.js";
import { createHubFetch, type RetryPolicy } from "../../hub/createHubFetch.js";
import { formatRetryNotice } from "../../hub/formatRetryNotice.js";
import type { HubEnvironment } from "../../hub/resolveHubEnvironment.js";
import { logWarn } from "../../util/log.js";
import { CMMLU_SUBJECTS } from "./cmmluSubjects.js";
import type { CmmluDataset } from "./cmmluTypes.js";
import { readCmmluDir } from "./readCmmluDir.js";

export const CMMLU_HUB_REPO = "haonan-li/cmmlu";

const CSV_PATH = /(?:^|\/)(dev|test)\/([A-Za-z0-9_]+)\.csv$/;

function localCopyHint(): string {
  return "pass --cmmlu-dir DIR (or the eval stage's cmmlu_dir) with a local copy laid out as dev/, test/ and subjects.json";
}

export async function downloadCmmluDataset(params: {
  hub: Pick<HubEnvironment, "endpoint" | "accessToken" | "offline" | "tokenSource">;
  /** Where extracted copies are kept (one folder per repo and revision). */
  cacheDir: string;
  repo?: string;
  revision?: string;
  /** Default: the Hub session of the model downloads (retries 429/5xx and lost connections with backoff). */
  fetch?: typeof fetch;
  signal?: AbortSignal;
  /** Told of each retry before its wait (default: a warning line). */
  onWarning?: (message: string) => void;
  /** Backoff of the default session (tests shorten it). */
  retry?: RetryPolicy;
}): Promise<CmmluDataset> {
  const repo = params.repo ?? CMMLU_HUB_REPO;
  const revision = params.revision ?? "main";
  const { hub, signal } = params;
  const dir = join(params.cacheDir, `${repo.replace("/", "--")}`, revision.replace(/[^A-Za-z0-9._-]/g, "_"));
  const origin = `${hub.endpoint}/datasets/${repo}@${revision}`;
  if (existsSync(join(dir, ".complete"))) return readCmmluDir({ dir, origin });
  if (hub.offline) {
    throw new EnvironmentError(`HF_HUB_OFFLINE is set and ${repo} is not in ${params.cacheDir}; ${localCopyHint()}`);
  }

  const { listFiles, downloadFile } = await import("@huggingface/hub");
  const credentials = {
    hubUrl: hub.endpoint,
    accessToken: hub.accessToken,
    // the same retries (and a line for each) as the model downloads
    fetch: (params.fetch ??
      createHubFetch({ ...params.retry, signal, origin: new URL(hub.endpoint).origin, onRetry: (notice) => (params.onWarning ?? logWarn)(formatRetryNotice(notice)) }).fetch) as typeof fetch,
  };
  const datasetRepo = { type: "dataset" as const, name: repo };
  const failure = (what: string, error: unknown): EnvironmentError => {
    if ((error as Error)?.name === "AbortError") throw error;
    const status = (error as { statusCode?: number }).statusCode;
    const reason = status ? `HTTP ${status}${status === 401 || status === 403 ? (hub.tokenSource ? ` with the token from ${hub.tokenSource}` : " (anonymous)") : ""}` : (error as Error).message;
    return new EnvironmentError(`cannot ${what} the CMMLU dataset ${repo} from ${hub.endpoint} (${reason}); ${localCopyHint()}, or check the network and HF_ENDPOINT`, {
      cause: error,
    });
  };

  let paths: string[];
  try {
    paths = [];
    for await (const entry of listFiles({ repo: datasetRepo, revision, recursive: true, ...credentials })) {
      if (entry.type === "file") paths.push(entry.path);
    }
  } catch (error) {
    throw failure("list", error);
  }

  const fetchBytes = async (path: string): Promise<Buffer> => {
    signal?.throwIfAborted();
    try {
      const blob = await downloadFile({ repo: datasetRepo, path, revision, ...credentials });
      if (!blob) throw new Error(`${path} not found`);
      return Buffer.from(await blob.arrayBuffer());
    } catch (error) {
      throw failure(`download ${path} of`, error);
    }
  };

  const csvs = new Map<string, Buffer>(); // "dev/agronomy.csv" → bytes
  const csvPaths = paths.filter((p) => CSV_PATH.test(p));
  if (csvPaths.length > 0) {
    for (const path of csvPaths) {
      const [, split, subject] = CSV_PATH.exec(path)!;
      csvs.set(`${split}/${subject}.csv`, await fetchBytes(path));
    }
  } else {
    const archive = paths.filter((p) => p.endsWith(".zip")).sort().pop();
    if (!archive) {
      throw new EnvironmentError(`${repo}@${revision} has neither dev/ and test/ CSVs nor a zip archive (files: ${paths.slice(0, 10).join(", ")}); ${localCopyHint()}`);
    }
    const entries = readZipEntries({ buffer: await fetchBytes(archive), file: `${origin}/${archive}`, select: (name) => CSV_PATH.test(name) });
    for (const entry of entries) {
      const [, split, subject] = CSV_PATH.exec(entry.name)!;
      csvs.set(`${split}/${subject}.csv`, entry.data);
    }
  }
  const missing = Object.keys(CMMLU_SUBJECTS).filter((s) => !csvs.has(`test/${s}.csv`) || !csvs.has(`dev/${s}.csv`));
  if (missing.length > 0) {
    throw new EnvironmentError(`${repo}@${revision} lacks the CSVs of ${missing.length} subject(s) (${missing.slice(0, 5).join(", ")}…); ${localCopyHint()}`);
  }

  const partial = `${dir}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(join(partial, "dev"), { recursive: true });
  await mkdir(join(partial, "test"), { recursive: true });
  for (const [path, bytes] of csvs) await writeFile(join(partial, path), bytes);
  await writeFile(join(partial, "subjects.json"), `${JSON.stringify({ subjects: CMMLU_SUBJECTS }, null, 1)}\n`);
  await writeFile(join(partial, ".complete"), `${JSON.stringify({ repo, revision, endpoint: hub.endpoint, files: csvs.size, at: new Date().toISOString() })}\n`);
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
  return readCmmluDir({ dir, origin });
}
