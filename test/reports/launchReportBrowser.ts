/**
 * A headless Chromium for checking report pages, from npm alone: @sparticuz/chromium carries a
 * brotli-compressed Chromium (and a fallback font) inside its package tarball, so `npm ci` is the whole
 * install — no browser download from a CDN, no system browser. Its binary needs only glibc, libexpat and
 * libgcc at run time (checked with ldd on Debian 12), unlike the Chrome builds Puppeteer downloads.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import chromium from "@sparticuz/chromium";
import puppeteer, { type Browser } from "puppeteer-core";

export const REPORT_VIEWPORT = { width: 1280, height: 800 };

/**
 * One browser for all pages of a test file (a launch costs ~1 s; the first ever also unpacks ~180 MB,
 * ~3 s). The caller closes it.
 */
export async function launchReportBrowser(): Promise<Browser> {
  const dir = await unpackedChromium();
  return puppeteer.launch({
    executablePath: join(dir, "chromium"),
    args: chromium.args,
    headless: "shell",
    defaultViewport: REPORT_VIEWPORT,
    env: { ...process.env, FONTCONFIG_FILE: join(dir, "oss-prep-fonts.conf") },
  });
}

/**
 * The package unpacks into os.tmpdir() itself and then trusts whatever `chromium` it finds there, of any
 * version and even half written by a killed run. So: unpack into a private staging folder (the package
 * reads TMPDIR through os.tmpdir() on every call), then rename it to a folder named by the package
 * version, which appears whole or not at all.
 */
async function unpackedChromium(): Promise<string> {
  const version = await packageVersion("@sparticuz/chromium");
  const dir = join(tmpdir(), `oss-prep-chromium-${version}`);
  if (existsSync(join(dir, "chromium"))) return dir;
  const staging = `${dir}.${process.pid}.partial`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const savedTmpdir = process.env.TMPDIR;
  process.env.TMPDIR = staging;
  try {
    await chromium.executablePath();
  } finally {
    if (savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmpdir;
  }
  // the system's fonts where it has any, and the package's Open Sans where it has none (a bare CI
  // container), so text always has a face and the geometry checks measure real glyphs
  await writeFile(
    join(staging, "oss-prep-fonts.conf"),
    `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n` +
      `  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n  <dir>${join(dir, "fonts", "fonts")}</dir>\n` +
      `  <cachedir>${join(dir, "fontconfig-cache")}</cachedir>\n</fontconfig>\n`,
  );
  try {
    await rename(staging, dir);
  } catch (error) {
    // another process won the race: its copy is as good as ours
    if (!existsSync(join(dir, "chromium"))) throw error;
    await rm(staging, { recursive: true, force: true });
  }
  return dir;
}

/** The installed version (the package's exports leave out its package.json: found from its entry point). */
async function packageVersion(name: string): Promise<string> {
  let dir = dirname(createRequire(import.meta.url).resolve(name));
  for (;;) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(await readFile(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === name && pkg.version) return pkg.version;
    }
    if (dirname(dir) === dir) throw new Error(`${name}: no package.json above its entry point`);
    dir = dirname(dir);
  }
}
