/**
 * A local stand-in for the Hugging Face Hub, written from the Hub's HTTP API as @huggingface/hub
 * and huggingface_hub use it, so the real client can be tested against it through `hubUrl`:
 *
 * - `GET /api/models/{repo}[/revision/{rev}]`      model info (`expand` selects fields, as on the Hub)
 * - `GET /api/models/{repo}/tree/{rev}[/{path}]`   file listing, paginated with `Link: <…>; rel="next"`
 * - `GET|HEAD /{repo}/resolve/{rev}/{path}`         file content with Range; LFS files redirect (302) to
 *                                                  a second origin standing in for the CDN, with
 *                                                  X-Repo-Commit, X-Linked-Etag, X-Linked-Size; xet-backed
 *                                                  files answer the xet file-info Accept with X-Xet-Hash
 *                                                  and `Link: rel="xet-auth"/"xet-reconstruction-info"`
 * - `POST /api/repos/create`, `POST /api/models/{repo}/preupload/{rev}`,
 *   `POST /{repo}.git/info/lfs/objects/batch` (basic and multipart transfers, PUT to the CDN origin),
 *   `POST /api/models/{repo}/commit/{rev}` (NDJSON: header, file, lfsFile, deletedFile)
 *
 * Errors carry the Hub's X-Error-Code (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo) and
 * X-Error-Message headers. Faults can be injected per route and file: a connection dropped after N
 * bytes, a transfer that hangs, wrong bytes, an HTTP status (401, 404, 429 with Retry-After, 5xx), a Range ignored.
 *
 * Listens on 127.0.0.1 only, every loop is bounded, and it closes itself after `lifetimeMs`.
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type HubRoute = "model-info" | "tree" | "resolve" | "cdn" | "create-repo" | "preupload" | "lfs-batch" | "upload" | "commit" | "other";

export type HubFault =
  | { kind: "drop"; afterBytes: number }
  /** Send the first bytes, then nothing more until the server closes (a hung transfer). */
  | { kind: "stall"; afterBytes: number }
  /** Send the first bytes, then one byte every tickMs: alive, but too slow to ever finish. */
  | { kind: "trickle"; afterBytes: number; tickMs: number }
  | { kind: "corrupt" }
  | { kind: "status"; status: number; retryAfter?: string; errorCode?: string; errorMessage?: string }
  | { kind: "ignore-range" };

export interface FaultRule {
  route: HubRoute;
  /** Repository file path (resolve, cdn) — any file when absent. */
  file?: string;
  method?: string;
  fault: HubFault;
  /** How many matching requests get the fault (default 1). */
  times?: number;
}

export interface RepoFixture {
  /** "org/name" */
  name: string;
  files: Record<string, Uint8Array | string>;
  /** Which files are stored with LFS (default: *.safetensors, *.gguf, *.bin and files ≥ 1 MiB). */
  lfs?: (path: string, size: number) => boolean;
  /** LFS files are xet-backed: the listing shows xetHash and resolve answers the xet file-info Accept. */
  xet?: boolean;
  private?: boolean;
  gated?: false | "auto" | "manual";
  /** Tokens whose account accepted a gated model's license. */
  grantedTokens?: string[];
  /** Account owning a private repo (tokens of that user can read it). */
  owner?: string;
  /** Sizes the listing claims instead of the real ones (to test checks made before any byte moves). */
  listedSizes?: Record<string, number>;
}

export interface RequestRecord {
  method: string;
  route: HubRoute;
  url: string;
  file?: string;
  status: number;
  rangeStart?: number;
  rangeEnd?: number;
  /** Body bytes written to the socket. */
  bytesSent: number;
  hadAuthorization: boolean;
  fault?: HubFault["kind"];
}

interface FileRecord {
  size: number;
  /** What the listing says, when it lies. */
  listedSize?: number;
  /** Git blob id: of the content, or of the LFS pointer file. */
  oid: string;
  content?: Buffer;
  lfsOid?: string;
  xetHash?: string;
}

interface RepoState {
  name: string;
  private: boolean;
  gated: false | "auto" | "manual";
  granted: Set<string>;
  owner: string;
  xet: boolean;
  commits: Map<string, { files: Map<string, FileRecord>; parent?: string; title: string }>;
  refs: Map<string, string>;
}

export interface HubServer {
  url: string;
  cdnUrl: string;
  requests: RequestRecord[];
  /** Most file bodies being sent at the same time. */
  maxConcurrentContent(): number;
  /** Content bytes of a repository file sent by resolve or the CDN, not counting 1-byte probes. */
  contentBytes(file: string): number;
  contentRequests(file: string): RequestRecord[];
  uploads: Array<{ oid: string; bytes: number }>;
  commits: Array<{ repo: string; sha: string; title: string; paths: string[] }>;
  addFault(rule: FaultRule): void;
  /** The files of a repository at a revision, with their bytes. */
  repoFiles(repo: string, revision?: string): Map<string, Buffer> | undefined;
  headCommit(repo: string, revision?: string): string | undefined;
  close(): Promise<void>;
}

const LFS_EXTENSIONS = /\.(safetensors|gguf|bin|pt|pth|onnx|h5|msgpack|zip|tar|gz)$/;
const defaultLfs = (path: string, size: number) => LFS_EXTENSIONS.test(path) || size >= 1 << 20;
const JSON_LIMIT = 64 << 20;
const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");
const gitOid = (data: Uint8Array) => createHash("sha1").update(`blob ${data.length}\0`).update(data).digest("hex");
const lfsPointer = (oid: string, size: number) => Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${size}\n`);
const newCommitSha = () => randomBytes(20).toString("hex");

export async function startHubServer(options: {
  repos?: RepoFixture[];
  faults?: FaultRule[];
  /** Valid tokens and their user names (`hf_…`). */
  tokens?: Record<string, string>;
  /** Tree page size (small values exercise pagination). */
  pageSize?: number;
  /** A hostile listing: its `Link: rel="next"` points at this origin instead of the Hub's. */
  nextPageOrigin?: string;
  /** LFS objects above this size are uploaded in parts of `multipartChunkBytes`. */
  multipartThresholdBytes?: number;
  multipartChunkBytes?: number;
  lifetimeMs?: number;
}): Promise<HubServer> {
  const tokens = new Map(Object.entries(options.tokens ?? {}));
  const faults: Array<FaultRule & { left: number }> = (options.faults ?? []).map((f) => ({ ...f, left: f.times ?? 1 }));
  const pageSize = options.pageSize ?? 1000;
  const multipartThreshold = options.multipartThresholdBytes ?? 64 << 20;
  const multipartChunk = options.multipartChunkBytes ?? 16 << 20;
  const lfsStore = new Map<string, Buffer>();
  const pendingParts = new Map<string, Map<number, Buffer>>();
  const repos = new Map<string, RepoState>();
  const requests: RequestRecord[] = [];
  const uploads: HubServer["uploads"] = [];
  const commits: HubServer["commits"] = [];
  const signingKey = randomBytes(16).toString("hex");
  let inFlight = 0;
  let maxInFlight = 0;
  let hubUrl = "";
  let cdnUrl = "";

  const makeFile = (content: Buffer, lfs: boolean, xet: boolean): FileRecord => {
    if (!lfs) return { size: content.length, oid: gitOid(content), content };
    const oid = sha256(content);
    lfsStore.set(oid, content);
    return { size: content.length, oid: gitOid(lfsPointer(oid, content.length)), lfsOid: oid, xetHash: xet ? sha256(Buffer.from(`xet:${oid}`)) : undefined };
  };

  const addRepo = (fixture: RepoFixture) => {
    const files = new Map<string, FileRecord>();
    const isLfs = fixture.lfs ?? defaultLfs;
    for (const [path, value] of Object.entries(fixture.files)) {
      const content = Buffer.from(typeof value === "string" ? Buffer.from(value) : value);
      const file = makeFile(content, isLfs(path, content.length), fixture.xet === true);
      file.listedSize = fixture.listedSizes?.[path];
      files.set(path, file);
    }
    const sha = newCommitSha();
    repos.set(fixture.name, {
      name: fixture.name,
      private: fixture.private === true,
      gated: fixture.gated ?? false,
      granted: new Set(fixture.grantedTokens ?? []),
      owner: fixture.owner ?? fixture.name.split("/")[0],
      xet: fixture.xet === true,
      commits: new Map([[sha, { files, title: "initial commit" }]]),
      refs: new Map([["main", sha]]),
    });
  };
  for (const fixture of options.repos ?? []) addRepo(fixture);

  /** The next matching fault; a 1-byte size probe (Range: bytes=0-0) never takes a content fault. */
  const takeFault = (route: HubRoute, method: string, file?: string, probe = false): HubFault | undefined => {
    const rule = faults.find(
      (f) =>
        f.left > 0 &&
        f.route === route &&
        (!f.method || f.method === method) &&
        (!f.file || f.file === file) &&
        !(probe && f.fault.kind !== "status"),
    );
    if (!rule) return undefined;
    rule.left--;
    return rule.fault;
  };

  const resolveRevision = (repo: RepoState, revision: string) => {
    const sha = repo.refs.get(revision) ?? (repo.commits.has(revision) ? revision : undefined);
    return sha ? { sha, files: repo.commits.get(sha)!.files } : undefined;
  };

  /** Start a response record; `send` helpers fill it in. */
  const record = (req: IncomingMessage, route: HubRoute, file?: string): RequestRecord => {
    const entry: RequestRecord = {
      method: req.method ?? "GET",
      route,
      url: req.url ?? "",
      file,
      status: 0,
      bytesSent: 0,
      hadAuthorization: req.headers.authorization !== undefined,
    };
    requests.push(entry);
    return entry;
  };

  const sendJson = (res: ServerResponse, entry: RequestRecord, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const data = Buffer.from(JSON.stringify(body));
    entry.status = status;
    entry.bytesSent = data.length;
    res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": String(data.length), ...headers });
    res.end(data);
  };

  const sendError = (res: ServerResponse, entry: RequestRecord, status: number, message: string, errorCode?: string, headers: Record<string, string> = {}) =>
    sendJson(res, entry, status, { error: message }, {
      ...(errorCode ? { "X-Error-Code": errorCode } : {}),
      "X-Error-Message": message,
      "X-Request-Id": `req-${requests.length}`,
      ...headers,
    });

  const applyStatusFault = (res: ServerResponse, entry: RequestRecord, fault: HubFault | undefined): boolean => {
    if (fault?.kind !== "status") return false;
    entry.fault = "status";
    sendError(res, entry, fault.status, fault.errorMessage ?? `injected ${fault.status}`, fault.errorCode, fault.retryAfter ? { "Retry-After": fault.retryAfter } : {});
    return true;
  };

  /** Serve bytes with Range support and the content faults. */
  const sendContent = (req: IncomingMessage, res: ServerResponse, entry: RequestRecord, content: Buffer, headers: Record<string, string>, fault: HubFault | undefined) => {
    let start = 0;
    let end = content.length - 1;
    let status = 200;
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? "");
    if (range && fault?.kind !== "ignore-range") {
      start = range[1] === "" ? Math.max(0, content.length - Number(range[2])) : Number(range[1]);
      end = range[1] !== "" && range[2] !== "" ? Math.min(Number(range[2]), content.length - 1) : content.length - 1;
      if (start >= content.length || start > end) {
        entry.status = 416;
        res.writeHead(416, { "Content-Range": `bytes */${content.length}` });
        res.end();
        return;
      }
      status = 206;
      entry.rangeStart = start;
      entry.rangeEnd = end;
    }
    if (fault?.kind === "ignore-range") entry.fault = "ignore-range";
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.once("close", () => inFlight--);
    let body = content.subarray(start, end + 1);
    if (fault?.kind === "corrupt" && body.length > 0) {
      entry.fault = "corrupt";
      body = Buffer.from(body);
      body[body.length >> 1] ^= 0xff;
    }
    entry.status = status;
    res.writeHead(status, {
      ...headers,
      "Accept-Ranges": "bytes",
      "Content-Length": String(body.length),
      "Content-Type": "application/octet-stream",
      ...(status === 206 ? { "Content-Range": `bytes ${start}-${end}/${content.length}` } : {}),
    });
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    if (fault?.kind === "drop") {
      // Send the first bytes, let the client take them in, then end the connection mid-body.
      entry.fault = "drop";
      const part = body.subarray(0, Math.min(fault.afterBytes, body.length));
      entry.bytesSent = part.length;
      res.write(part, () => setTimeout(() => res.socket?.end(), 300).unref());
      return;
    }
    if (fault?.kind === "trickle") {
      entry.fault = "trickle";
      let at = Math.min(fault.afterBytes, body.length);
      res.write(body.subarray(0, at));
      const timer = setInterval(() => {
        if (at >= body.length || res.destroyed) {
          clearInterval(timer);
          return;
        }
        res.write(body.subarray(at, at + 1));
        at++;
        entry.bytesSent = at;
      }, fault.tickMs);
      timer.unref();
      res.on("close", () => clearInterval(timer));
      return;
    }
    if (fault?.kind === "stall") {
      entry.fault = "stall";
      const part = body.subarray(0, Math.min(fault.afterBytes, body.length));
      entry.bytesSent = part.length;
      res.write(part);
      return;
    }
    entry.bytesSent = body.length;
    res.end(body);
  };

  const readBody = async (req: IncomingMessage, limit: number): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of req) {
      total += (chunk as Buffer).length;
      if (total > limit) throw new Error(`body over ${limit} bytes`);
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  };

  const tokenOf = (req: IncomingMessage): string | undefined => /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
  const userOf = (req: IncomingMessage) => {
    const token = tokenOf(req);
    return token ? tokens.get(token) : undefined;
  };

  /** Repo read access as the Hub answers it: a missing and a private repo look the same. */
  const readableRepo = (req: IncomingMessage, res: ServerResponse, entry: RequestRecord, name: string): RepoState | undefined => {
    const repo = repos.get(name);
    const user = userOf(req);
    if (!repo || (repo.private && user !== repo.owner)) {
      if (!user) sendError(res, entry, 401, "Repository not found", "RepoNotFound");
      else sendError(res, entry, 404, "Repository not found", "RepoNotFound");
      return undefined;
    }
    return repo;
  };

  const writableRepo = (req: IncomingMessage, res: ServerResponse, entry: RequestRecord, name: string): RepoState | undefined => {
    const user = userOf(req);
    if (!user) {
      sendError(res, entry, 401, "You must be authenticated to write to a repository");
      return undefined;
    }
    const repo = readableRepo(req, res, entry, name);
    if (repo && repo.owner !== user) {
      sendError(res, entry, 403, `You don't have the rights to write to ${name}`);
      return undefined;
    }
    return repo;
  };

  const modelInfo = (repo: RepoState, sha: string, files: Map<string, FileRecord>, expand: string[]) => {
    const full: Record<string, unknown> = {
      _id: createHash("sha1").update(repo.name).digest("hex").slice(0, 24),
      id: repo.name,
      modelId: repo.name,
      author: repo.name.split("/")[0],
      sha,
      lastModified: "2025-08-05T00:00:00.000Z",
      createdAt: "2025-08-04T00:00:00.000Z",
      private: repo.private,
      gated: repo.gated,
      disabled: false,
      downloads: 0,
      likes: 0,
      library_name: "transformers",
      pipeline_tag: "text-generation",
      tags: ["transformers", "safetensors"],
      siblings: [...files.keys()].sort().map((rfilename) => ({ rfilename })),
    };
    if (expand.length === 0) return full;
    // With expand, the Hub returns only the expanded fields (plus the ids).
    return Object.fromEntries(Object.entries(full).filter(([key]) => key === "_id" || key === "id" || expand.includes(key)));
  };

  const treeEntries = (files: Map<string, FileRecord>, prefix: string, recursive: boolean) => {
    const out: Array<Record<string, unknown>> = [];
    const dirs = new Set<string>();
    for (const [path, file] of [...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (prefix && !path.startsWith(`${prefix}/`)) continue;
      const rest = prefix ? path.slice(prefix.length + 1) : path;
      const parts = rest.split("/");
      for (let i = 1; i < parts.length; i++) dirs.add((prefix ? `${prefix}/` : "") + parts.slice(0, i).join("/"));
      if (!recursive && parts.length > 1) continue;
      const size = file.listedSize ?? file.size;
      out.push({
        type: "file",
        oid: file.oid,
        size,
        path,
        ...(file.lfsOid ? { lfs: { oid: file.lfsOid, size, pointerSize: lfsPointer(file.lfsOid, size).length } } : {}),
        ...(file.xetHash ? { xetHash: file.xetHash } : {}),
      });
    }
    for (const dir of dirs) {
      if (!recursive && dir.slice(prefix ? prefix.length + 1 : 0).includes("/")) continue;
      out.push({ type: "directory", oid: createHash("sha1").update(dir).digest("hex"), size: 0, path: dir });
    }
    return out.sort((a, b) => ((a.path as string) < (b.path as string) ? -1 : 1));
  };

  const sign = (oid: string, expires: number) => createHash("sha256").update(`${signingKey}:${oid}:${expires}`).digest("hex").slice(0, 32);

  const handleHub = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", hubUrl);
    const method = req.method ?? "GET";

    // Any request with an unknown token is refused, as the Hub does even for public repos.
    const token = tokenOf(req);
    const invalidToken = token !== undefined && !tokens.has(token);

    let match: RegExpExecArray | null;
    if ((match = /^\/api\/models\/([^/]+\/[^/]+)(?:\/revision\/([^/]+))?$/.exec(url.pathname)) && method === "GET") {
      const entry = record(req, "model-info");
      if (applyStatusFault(res, entry, takeFault("model-info", method))) return;
      if (invalidToken) return sendError(res, entry, 401, "Invalid credentials in Authorization header");
      const repo = readableRepo(req, res, entry, match[1]);
      if (!repo) return;
      const revision = decodeURIComponent(match[2] ?? "main");
      const resolved = resolveRevision(repo, revision === "HEAD" ? "main" : revision);
      if (!resolved) return sendError(res, entry, 404, `Invalid rev id: ${revision}`, "RevisionNotFound");
      const expand = [...url.searchParams.getAll("expand"), ...url.searchParams.getAll("expand[]")];
      return sendJson(res, entry, 200, modelInfo(repo, resolved.sha, resolved.files, expand));
    }
    if ((match = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/([^/]+)(?:\/(.*))?$/.exec(url.pathname)) && method === "GET") {
      const entry = record(req, "tree");
      if (applyStatusFault(res, entry, takeFault("tree", method))) return;
      if (invalidToken) return sendError(res, entry, 401, "Invalid credentials in Authorization header");
      const repo = readableRepo(req, res, entry, match[1]);
      if (!repo) return;
      const resolved = resolveRevision(repo, decodeURIComponent(match[2]));
      if (!resolved) return sendError(res, entry, 404, `Invalid rev id: ${match[2]}`, "RevisionNotFound");
      const all = treeEntries(resolved.files, match[3] ? decodeURIComponent(match[3]) : "", url.searchParams.get("recursive") === "true");
      const cursor = Number(url.searchParams.get("cursor") ?? "0");
      const page = all.slice(cursor, cursor + pageSize);
      const headers: Record<string, string> = {};
      if (cursor + pageSize < all.length) {
        const next = new URL(url);
        if (options.nextPageOrigin) {
          const origin = new URL(options.nextPageOrigin);
          next.protocol = origin.protocol;
          next.host = origin.host;
        }
        next.searchParams.set("cursor", String(cursor + pageSize));
        headers.Link = `<${next.href}>; rel="next"`;
      }
      return sendJson(res, entry, 200, page, headers);
    }
    if ((match = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname)) && (method === "GET" || method === "HEAD")) {
      const file = decodeURIComponent(match[3]);
      const entry = record(req, "resolve", file);
      const fault = takeFault("resolve", method, file, req.headers.range === "bytes=0-0");
      if (applyStatusFault(res, entry, fault)) return;
      if (invalidToken) return sendError(res, entry, 401, "Invalid credentials in Authorization header");
      const repo = readableRepo(req, res, entry, match[1]);
      if (!repo) return;
      if (repo.gated) {
        const accepted = token !== undefined && repo.granted.has(token);
        if (!token) {
          return sendError(res, entry, 401, `Access to model ${repo.name} is restricted. You must have access to it and be authenticated to access it. Please log in.`, "GatedRepo");
        }
        if (!accepted) {
          return sendError(res, entry, 403, `Access to model ${repo.name} is restricted and you are not in the authorized list. Visit ${hubUrl}/${repo.name} to ask for access.`, "GatedRepo");
        }
      }
      const resolved = resolveRevision(repo, decodeURIComponent(match[2]));
      if (!resolved) return sendError(res, entry, 404, `Invalid rev id: ${match[2]}`, "RevisionNotFound");
      const record_ = resolved.files.get(file);
      if (!record_) return sendError(res, entry, 404, "Entry not found", "EntryNotFound", { "X-Repo-Commit": resolved.sha });
      if (!record_.lfsOid) {
        return sendContent(req, res, entry, record_.content!, { "X-Repo-Commit": resolved.sha, ETag: `"${record_.oid}"` }, fault);
      }
      const linked = { "X-Repo-Commit": resolved.sha, "X-Linked-Etag": `"${record_.lfsOid}"`, "X-Linked-Size": String(record_.size), ETag: `"${record_.lfsOid}"` };
      if (record_.xetHash && (req.headers.accept ?? "").includes("application/vnd.xet-fileinfo+json")) {
        entry.status = 200;
        const body = Buffer.from(
          JSON.stringify({ casUrl: `${cdnUrl}/cas`, hash: record_.xetHash, refreshUrl: `${hubUrl}/api/models/${repo.name}/xet-read-token/${resolved.sha}`, etag: record_.lfsOid, size: record_.size }),
        );
        entry.bytesSent = body.length;
        res.writeHead(200, {
          ...linked,
          "Content-Type": "application/vnd.xet-fileinfo+json",
          "Content-Length": String(body.length),
          "X-Xet-Hash": record_.xetHash,
          Link: `<${hubUrl}/api/models/${repo.name}/xet-read-token/${resolved.sha}>; rel="xet-auth", <${cdnUrl}/cas/reconstruction/${record_.xetHash}>; rel="xet-reconstruction-info"`,
        });
        return res.end(body);
      }
      const expires = Math.floor(Date.now() / 1000) + 3600;
      entry.status = 302;
      res.writeHead(302, { ...linked, Location: `${cdnUrl}/lfs/${record_.lfsOid}?file=${encodeURIComponent(file)}&expires=${expires}&signature=${sign(record_.lfsOid, expires)}` });
      return res.end();
    }
    if (url.pathname === "/api/repos/create" && method === "POST") {
      const entry = record(req, "create-repo");
      if (applyStatusFault(res, entry, takeFault("create-repo", method))) return;
      const user = userOf(req);
      if (!user) return sendError(res, entry, 401, "You must be authenticated to create a repository");
      const body = JSON.parse((await readBody(req, JSON_LIMIT)).toString("utf8")) as { name: string; organization?: string; type?: string; visibility?: string; private?: boolean };
      const namespace = body.organization ?? user;
      if (namespace !== user) return sendError(res, entry, 403, `You don't have the rights to create a model under the namespace "${namespace}"`);
      const name = `${namespace}/${body.name}`;
      if (repos.has(name)) return sendError(res, entry, 409, "You already created this model repo", undefined, {});
      addRepo({
        name,
        files: { ".gitattributes": "*.gguf filter=lfs diff=lfs merge=lfs -text\n*.safetensors filter=lfs diff=lfs merge=lfs -text\n" },
        private: body.visibility === "private" || body.private === true,
        owner: user,
      });
      return sendJson(res, entry, 200, { url: `${hubUrl}/${name}`, name, id: createHash("sha1").update(name).digest("hex").slice(0, 24) });
    }
    if ((match = /^\/api\/models\/([^/]+\/[^/]+)\/preupload\/([^/]+)$/.exec(url.pathname)) && method === "POST") {
      const entry = record(req, "preupload");
      if (applyStatusFault(res, entry, takeFault("preupload", method))) return;
      const repo = writableRepo(req, res, entry, match[1]);
      if (!repo) return;
      const resolved = resolveRevision(repo, decodeURIComponent(match[2]));
      const body = JSON.parse((await readBody(req, JSON_LIMIT)).toString("utf8")) as { files: Array<{ path: string; size: number; sample: string }> };
      return sendJson(res, entry, 200, {
        commitOid: resolved?.sha,
        files: body.files.map((f) => {
          const sample = Buffer.from(f.sample, "base64");
          const lfs = defaultLfs(f.path, f.size) || sample.includes(0) || f.size > 10_000_000;
          return { path: f.path, uploadMode: lfs ? "lfs" : "regular", shouldIgnore: false, oid: resolved?.files.get(f.path)?.oid };
        }),
      });
    }
    if ((match = /^\/([^/]+\/[^/]+)\.git\/info\/lfs\/objects\/batch$/.exec(url.pathname)) && method === "POST") {
      const entry = record(req, "lfs-batch");
      if (applyStatusFault(res, entry, takeFault("lfs-batch", method))) return;
      const repo = writableRepo(req, res, entry, match[1]);
      if (!repo) return;
      const body = JSON.parse((await readBody(req, JSON_LIMIT)).toString("utf8")) as { operation: string; objects: Array<{ oid: string; size: number }>; transfers?: string[] };
      if (body.operation !== "upload") return sendError(res, entry, 400, "only uploads are supported here");
      let multipart = false;
      const objects = body.objects.map(({ oid, size }) => {
        if (lfsStore.has(oid)) return { oid, size }; // already stored: no action, the client skips it
        const expires = Math.floor(Date.now() / 1000) + 3600;
        const query = `expires=${expires}&signature=${sign(oid, expires)}&size=${size}`;
        if (size > multipartThreshold && body.transfers?.includes("multipart")) {
          multipart = true;
          const parts = Math.ceil(size / multipartChunk);
          const header: Record<string, string> = { chunk_size: String(multipartChunk) };
          for (let i = 1; i <= parts; i++) header[String(i).padStart(5, "0")] = `${cdnUrl}/upload/${oid}/part/${i}?${query}`;
          return { oid, size, authenticated: true, actions: { upload: { href: `${cdnUrl}/upload/${oid}/complete?${query}`, header } } };
        }
        return { oid, size, authenticated: true, actions: { upload: { href: `${cdnUrl}/upload/${oid}?${query}` } } };
      });
      const data = Buffer.from(JSON.stringify({ transfer: multipart ? "multipart" : "basic", objects }));
      entry.status = 200;
      entry.bytesSent = data.length;
      res.writeHead(200, { "Content-Type": "application/vnd.git-lfs+json", "Content-Length": String(data.length) });
      return res.end(data);
    }
    if ((match = /^\/api\/models\/([^/]+\/[^/]+)\/commit\/([^/]+)$/.exec(url.pathname)) && method === "POST") {
      const entry = record(req, "commit");
      if (applyStatusFault(res, entry, takeFault("commit", method))) return;
      const repo = writableRepo(req, res, entry, match[1]);
      if (!repo) return;
      const branch = decodeURIComponent(match[2]);
      const head = repo.refs.get(branch);
      if (!head) return sendError(res, entry, 404, `Invalid rev id: ${branch}`, "RevisionNotFound");
      const lines = (await readBody(req, JSON_LIMIT)).toString("utf8").split("\n").filter(Boolean).slice(0, 100_000);
      const files = new Map(repo.commits.get(head)!.files);
      let title = "";
      const paths: string[] = [];
      for (const line of lines) {
        const op = JSON.parse(line) as { key: string; value: Record<string, unknown> };
        if (op.key === "header") {
          title = String(op.value.summary ?? "");
          if (op.value.parentCommit && op.value.parentCommit !== head) return sendError(res, entry, 412, "parent commit is not the head of the branch");
        } else if (op.key === "file") {
          const content = Buffer.from(String(op.value.content), op.value.encoding === "base64" ? "base64" : "utf8");
          files.set(String(op.value.path), makeFile(content, false, false));
          paths.push(String(op.value.path));
        } else if (op.key === "lfsFile") {
          const oid = String(op.value.oid);
          const stored = lfsStore.get(oid);
          if (!stored || stored.length !== Number(op.value.size)) return sendError(res, entry, 422, `LFS object ${oid} was not uploaded`);
          files.set(String(op.value.path), makeFile(stored, true, repo.xet));
          paths.push(String(op.value.path));
        } else if (op.key === "deletedFile") {
          files.delete(String(op.value.path));
          paths.push(String(op.value.path));
        } else return sendError(res, entry, 400, `unknown operation ${op.key}`);
      }
      const sha = newCommitSha();
      repo.commits.set(sha, { files, parent: head, title });
      repo.refs.set(branch, sha);
      commits.push({ repo: repo.name, sha, title, paths });
      return sendJson(res, entry, 200, { success: true, commitOid: sha, commitUrl: `${hubUrl}/${repo.name}/commit/${sha}`, hookOutput: "" });
    }
    const entry = record(req, "other");
    return sendError(res, entry, 404, `no route for ${method} ${url.pathname}`);
  };

  const handleCdn = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", cdnUrl);
    const method = req.method ?? "GET";
    const expires = Number(url.searchParams.get("expires"));
    let match: RegExpExecArray | null;
    if ((match = /^\/lfs\/([0-9a-f]{64})$/.exec(url.pathname)) && (method === "GET" || method === "HEAD")) {
      const file = url.searchParams.get("file") ?? undefined;
      const entry = record(req, "cdn", file);
      const fault = takeFault("cdn", method, file, req.headers.range === "bytes=0-0");
      if (applyStatusFault(res, entry, fault)) return;
      if (url.searchParams.get("signature") !== sign(match[1], expires) || expires * 1000 < Date.now()) {
        return sendError(res, entry, 403, "Request has expired or the signature is wrong");
      }
      const content = lfsStore.get(match[1]);
      if (!content) return sendError(res, entry, 404, "NoSuchKey");
      return sendContent(req, res, entry, content, { ETag: `"${match[1]}"` }, fault);
    }
    if ((match = /^\/upload\/([0-9a-f]{64})(?:\/part\/(\d+)|\/(complete))?$/.exec(url.pathname))) {
      const entry = record(req, "upload");
      if (applyStatusFault(res, entry, takeFault("upload", method))) return;
      const oid = match[1];
      if (url.searchParams.get("signature") !== sign(oid, expires)) return sendError(res, entry, 403, "signature mismatch");
      const size = Number(url.searchParams.get("size"));
      if (method === "PUT" && match[2]) {
        const part = await readBody(req, multipartChunk);
        const parts = pendingParts.get(oid) ?? new Map<number, Buffer>();
        pendingParts.set(oid, parts);
        parts.set(Number(match[2]), part);
        entry.status = 200;
        const etag = `"${createHash("md5").update(part).digest("hex")}"`;
        res.writeHead(200, { ETag: etag, "Content-Length": "0" });
        return res.end();
      }
      if (method === "POST" && match[3]) {
        const body = JSON.parse((await readBody(req, JSON_LIMIT)).toString("utf8")) as { oid: string; parts: Array<{ partNumber: number; etag: string }> };
        const parts = pendingParts.get(oid);
        if (!parts || body.parts.length !== parts.size) return sendError(res, entry, 400, "missing parts");
        const chunks = body.parts.map((p) => {
          const part = parts.get(p.partNumber);
          if (!part || `"${createHash("md5").update(part).digest("hex")}"` !== p.etag) throw new Error(`part ${p.partNumber}: wrong etag`);
          return part;
        });
        const data = Buffer.concat(chunks);
        if (data.length !== size || sha256(data) !== oid) return sendError(res, entry, 400, "assembled object does not match its oid");
        lfsStore.set(oid, data);
        pendingParts.delete(oid);
        uploads.push({ oid, bytes: data.length });
        return sendJson(res, entry, 200, { success: true });
      }
      if (method === "PUT") {
        const data = await readBody(req, size + 1);
        if (data.length !== size || sha256(data) !== oid) return sendError(res, entry, 400, "uploaded bytes do not match the oid");
        lfsStore.set(oid, data);
        uploads.push({ oid, bytes: data.length });
        entry.status = 200;
        res.writeHead(200, { ETag: `"${oid}"`, "Content-Length": "0" });
        return res.end();
      }
    }
    const entry = record(req, "other");
    return sendError(res, entry, 404, `no route for ${method} ${url.pathname}`);
  };

  const listen = async (handler: (req: IncomingMessage, res: ServerResponse) => Promise<unknown>): Promise<{ server: Server; url: string }> => {
    const server = createServer((req, res) => {
      handler(req, res).catch((error) => {
        if (!res.headersSent) {
          res.writeHead(500, { "Content-Type": "application/json" });
          res.end(JSON.stringify({ error: String((error as Error)?.message ?? error) }));
        } else res.destroy();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  };

  const hub = await listen(handleHub);
  const cdn = await listen(handleCdn);
  hubUrl = hub.url;
  cdnUrl = cdn.url;

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    clearTimeout(lifetime);
    for (const { server } of [hub, cdn]) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  };
  const lifetime = setTimeout(() => void close(), options.lifetimeMs ?? 120_000);
  lifetime.unref();

  const isContent = (r: RequestRecord, file: string) =>
    r.file === file && (r.route === "cdn" || r.route === "resolve") && r.status >= 200 && r.status < 300 && !(r.rangeStart === 0 && r.rangeEnd === 0) && r.method === "GET";

  return {
    url: hubUrl,
    cdnUrl,
    requests,
    maxConcurrentContent: () => maxInFlight,
    contentBytes: (file) => requests.filter((r) => isContent(r, file)).reduce((sum, r) => sum + r.bytesSent, 0),
    contentRequests: (file) => requests.filter((r) => isContent(r, file)),
    uploads,
    commits,
    addFault: (rule) => faults.push({ ...rule, left: rule.times ?? 1 }),
    repoFiles(name, revision = "main") {
      const repo = repos.get(name);
      const resolved = repo && resolveRevision(repo, revision);
      if (!resolved) return undefined;
      return new Map([...resolved.files.entries()].map(([path, f]) => [path, f.content ?? lfsStore.get(f.lfsOid!)!]));
    },
    headCommit: (name, revision = "main") => repos.get(name)?.refs.get(revision),
    close,
  };
}
