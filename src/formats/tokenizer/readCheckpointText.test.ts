import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "../../errors.js";
import { readCheckpointText } from "./readCheckpointText.js";

describe("readCheckpointText (Python text-mode reading)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "oss-prep-text-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("turns CRLF and lone CR into LF and keeps a BOM", async () => {
    const path = join(dir, "template.jinja");
    await writeFile(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("a\r\nb\rc\n")]));
    expect(await readCheckpointText({ path })).toBe("\ufeffa\nb\nc\n");
  });

  it("refuses invalid UTF-8 instead of inventing U+FFFD", async () => {
    const path = join(dir, "bad.jinja");
    await writeFile(path, Buffer.from([0x61, 0xff, 0x62]));
    await expect(readCheckpointText({ path })).rejects.toThrow(InvalidInputError);
    await expect(readCheckpointText({ path })).rejects.toThrow(/not valid UTF-8/);
  });

  it("returns undefined for a missing optional file and names a missing required one", async () => {
    expect(await readCheckpointText({ path: join(dir, "none"), optional: true })).toBeUndefined();
    await expect(readCheckpointText({ path: join(dir, "none") })).rejects.toThrow(`${join(dir, "none")}: file not found`);
  });
});
