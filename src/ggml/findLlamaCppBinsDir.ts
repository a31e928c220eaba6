import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { EnvironmentError } from "../errors.js";

/**
 * node-llama-cpp's prebuilt packages for this platform, CPU-only first: quantization never needs a GPU,
 * and the CPU package is the one every install has. Names follow node-llama-cpp 3.21.1's
 * bindings/utils/compileLLamaCpp.js.
 */
function candidatePackages(platform: NodeJS.Platform, arch: string): string[] {
  if (platform === "linux") {
    if (arch === "x64") return ["linux-x64", "linux-x64-vulkan", "linux-x64-cuda"];
    if (arch === "arm64") return ["linux-arm64"];
    if (arch === "arm") return ["linux-armv7l"];
    if (arch === "riscv64") return ["linux-riscv64"];
  } else if (platform === "darwin") {
    if (arch === "arm64") return ["mac-arm64-metal"];
    if (arch === "x64") return ["mac-x64"];
  } else if (platform === "win32") {
    if (arch === "x64") return ["win-x64", "win-x64-vulkan", "win-x64-cuda"];
    if (arch === "arm64") return ["win-arm64"];
  }
  return [];
}

const GGML_BASE_FILE = /^(lib)?ggml-base\.(so|dylib|dll)$/;

/** The folder under `<package>/bins/` that holds the shared libraries (its name varies: cuda-ext → cuda). */
function binsSubdirWithLibraries(binsDir: string): string | undefined {
  if (!existsSync(binsDir)) return undefined;
  for (const entry of readdirSync(binsDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(binsDir, entry.name);
    if (readdirSync(dir).some((f) => GGML_BASE_FILE.test(f))) return dir;
  }
  return undefined;
}

/**
 * The directory holding llama.cpp's shared libraries (ggml-base, ggml, llama, the CPU backends) that
 * node-llama-cpp installed for this platform: `@node-llama-cpp/<platform>-<arch>/bins/<name>/`.
 * OSS_PREP_LLAMA_CPP_BINS overrides it (a folder with the same files, e.g. a local llama.cpp build of
 * the same release).
 */
export function findLlamaCppBinsDir(): string {
  const fromEnv = process.env.OSS_PREP_LLAMA_CPP_BINS;
  if (fromEnv) {
    if (!existsSync(fromEnv) || !readdirSync(fromEnv).some((f) => GGML_BASE_FILE.test(f))) {
      throw new EnvironmentError(`OSS_PREP_LLAMA_CPP_BINS=${fromEnv}: no ggml-base shared library there`);
    }
    return fromEnv;
  }
  const packages = candidatePackages(process.platform, process.arch);
  const require = createRequire(import.meta.url);
  for (const name of packages) {
    let entry: string;
    try {
      // The packages export only ".", which resolves to dist/index.js; bins/ sits beside dist/.
      entry = require.resolve(`@node-llama-cpp/${name}`);
    } catch {
      continue;
    }
    const dir = binsSubdirWithLibraries(join(dirname(entry), "..", "bins"));
    if (dir) return dir;
  }
  const tried = packages.length ? packages.map((p) => `@node-llama-cpp/${p}`).join(", ") : "(none known)";
  throw new EnvironmentError(
    `no prebuilt llama.cpp libraries for ${process.platform}-${process.arch}: tried ${tried}. ` +
      "Reinstall node-llama-cpp (npm install) or set OSS_PREP_LLAMA_CPP_BINS to a folder holding " +
      "ggml-base, ggml and llama shared libraries of llama.cpp release v0.4.0.",
  );
}
