/**
 * One policy for every path a command writes (issue: "no clobbered file"), checked before any work:
 * - an output file replaces only a regular file (never a device, FIFO, socket or folder: renaming a
 *   finished temporary file onto /dev/null would replace the device node), and its folder exists;
 * - an output is never one of the command's inputs, nor inside an input folder (a GGUF written over a
 *   checkpoint shard, `quantize x.gguf -o x.gguf`): hard links and symlinks are resolved, so another
 *   name for the same file is caught too;
 * - an output folder is a folder (or does not exist yet) and is not an input folder or inside one.
 * Problems are UsageErrors (exit 2) naming the option and the path.
 */
import { lstat, realpath, stat } from "node:fs/promises";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { UsageError } from "../errors.js";

export async function checkOutputFile(params: { path: string; option: string; inputs: readonly string[] }): Promise<void> {
  const path = resolve(params.path);
  const where = `${params.option} ${params.path}`;
  const existing = await lstat(path).catch(() => undefined);
  if (existing?.isDirectory()) throw new UsageError(`${where}: is a folder; give a file path`);
  if (existing && !existing.isFile() && !existing.isSymbolicLink()) throw new UsageError(`${where}: ${kindOf(existing)}, not a regular file: oss-prep replaces only regular files`);
  const parent = dirname(path);
  const parentStat = await stat(parent).catch(() => undefined);
  if (!parentStat) throw new UsageError(`${where}: its folder ${parent} does not exist`);
  if (!parentStat.isDirectory()) throw new UsageError(`${where}: ${parent} is not a folder`);
  const target = join(await realpath(parent), basename(path));
  const targetStat = await stat(path).catch(() => undefined);
  for (const input of params.inputs) {
    const inputPath = resolve(input);
    const inputStat = await stat(inputPath).catch(() => undefined);
    if (!inputStat) continue;
    const inputReal = await realpath(inputPath);
    if (inputStat.isDirectory()) {
      if (isInside(target, inputReal)) throw new UsageError(`${where}: is inside the input folder ${input}; write the output elsewhere`);
    } else if (target === inputReal || (targetStat && targetStat.dev === inputStat.dev && targetStat.ino === inputStat.ino)) {
      throw new UsageError(`${where}: is the input ${input} itself; write the output elsewhere`);
    }
  }
}

export async function checkOutputDirectory(params: { path: string; option: string; inputs: readonly string[] }): Promise<void> {
  const path = resolve(params.path);
  const where = `${params.option} ${params.path}`;
  const existing = await stat(path).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw new UsageError(`${where}: exists and is not a folder`);
  // the nearest existing ancestor resolves the links of the part that exists
  let known = path;
  while (!(await stat(known).catch(() => undefined))) known = dirname(known);
  const target = join(await realpath(known), relative(known, path));
  for (const input of params.inputs) {
    const inputPath = resolve(input);
    const inputStat = await stat(inputPath).catch(() => undefined);
    if (!inputStat) continue;
    const inputReal = await realpath(inputPath);
    const folder = inputStat.isDirectory() ? inputReal : dirname(inputReal);
    if (inputStat.isDirectory() && (target === folder || isInside(target, folder))) {
      throw new UsageError(`${where}: is ${target === folder ? "the input folder" : "inside the input folder"} ${input}; write the output elsewhere`);
    }
  }
}

function isInside(path: string, folder: string): boolean {
  return path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

function kindOf(s: import("node:fs").Stats): string {
  if (s.isCharacterDevice()) return "a character device";
  if (s.isBlockDevice()) return "a block device";
  if (s.isFIFO()) return "a FIFO";
  if (s.isSocket()) return "a socket";
  return "a special file";
}
