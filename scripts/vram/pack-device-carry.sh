#!/usr/bin/env bash
# Prepare .device-carry/ (git-ignored) for scripts/vram/device-run.sh on the device machine, which has
# no Node.js and takes at most 64 MiB per call: the node binary (xz), a pruned node_modules (only what
# synth, quantize and vram import: commander, yaml, koffi with its linux-x64 binary, and the
# @node-llama-cpp/linux-x64 libraries koffi's quantization kernels load, trimmed to a few CPU variants)
# and llama.cpp's source from node-llama-cpp's bundle, pruned to what llama-server with CUDA needs.
# Build dist/ first (npx tsc -p tsconfig.json); carry [".device-carry", "dist"]. See docs/vram.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
C=.device-carry
grep -q '^/.device-carry/$' .git/info/exclude 2>/dev/null || echo "/.device-carry/" >> .git/info/exclude
rm -rf "$C" && mkdir -p "$C"
xz -T2 -6 -c "$(readlink -f "$(command -v node)")" > "$C/node.xz"

NM=$C/node_modules
mkdir -p "$NM/@node-llama-cpp/linux-x64/bins/linux-x64" "$NM/@koromix/koffi-linux-x64"
cp -r node_modules/commander node_modules/yaml node_modules/koffi "$NM/"
cp node_modules/@koromix/koffi-linux-x64/package.json node_modules/@koromix/koffi-linux-x64/index.js "$NM/@koromix/koffi-linux-x64/"
cp -r node_modules/@koromix/koffi-linux-x64/linux_x64 "$NM/@koromix/koffi-linux-x64/"
P=node_modules/@node-llama-cpp/linux-x64
cp -r "$P/package.json" "$P/dist" "$NM/@node-llama-cpp/linux-x64/"
for f in _nlcBuildMetadata.json libggml-base.so libggml.v0.4.0.so libllama.v0.4.0.so libllama-common.so \
  libggml-cpu-x64.so libggml-cpu-haswell.so libggml-cpu-skylakex.so libggml-cpu-icelake.so libggml-cpu-sapphirerapids.so libggml-cpu-zen4.so; do
  cp "$P/bins/linux-x64/$f" "$NM/@node-llama-cpp/linux-x64/bins/linux-x64/"
done

# llama.cpp source: the bundle node-llama-cpp ships, pruned (scripts/lib/pack-llama-src.sh)
. scripts/lib/pack-llama-src.sh
pack_llama_src "$C/llama-src.tar.xz"
du -sh "$C" dist
