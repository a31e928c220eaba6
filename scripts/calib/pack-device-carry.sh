#!/usr/bin/env bash
# Prepare .device-carry-calib/ (git-ignored) for scripts/calib/device-run.sh on the device machine (no
# Node.js, ≤ 64 MiB per call): node (xz), the node_modules that `oss-prep synth|convert|awq|prune` load
# (commander, yaml, koffi + its linux-x64 binary, onnxruntime-node's linux-x64 binding with its runtime
# library xz-compressed, onnxruntime-common) and llama.cpp's source from node-llama-cpp's bundle, which
# the device builds as shared libraries with CUDA (the prebuilt CUDA package is too big to carry).
# Build dist/ first (npm run build); carry [".device-carry-calib", "dist"]. See docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
C=.device-carry-calib
grep -q '^/.device-carry-calib/$' .git/info/exclude 2>/dev/null || echo "/.device-carry-calib/" >> .git/info/exclude
rm -rf "$C" && mkdir -p "$C"
xz -T2 -6 -c "$(readlink -f "$(command -v node)")" > "$C/node.xz"

NM=$C/node_modules
mkdir -p "$NM/@koromix/koffi-linux-x64" "$NM/onnxruntime-node/bin/napi-v6/linux/x64"
# every runtime dependency the CLI can load on these paths (the ZIP reader, glob and lock libraries too)
cp -r node_modules/commander node_modules/yaml node_modules/koffi node_modules/onnxruntime-common "$NM/"
for dep in adm-zip picomatch proper-lockfile graceful-fs retry signal-exit; do [ -d "node_modules/$dep" ] && cp -r "node_modules/$dep" "$NM/"; done
cp node_modules/@koromix/koffi-linux-x64/package.json node_modules/@koromix/koffi-linux-x64/index.js "$NM/@koromix/koffi-linux-x64/"
cp -r node_modules/@koromix/koffi-linux-x64/linux_x64 "$NM/@koromix/koffi-linux-x64/"
O=node_modules/onnxruntime-node
cp -r "$O/package.json" "$O/dist" "$O/lib" "$NM/onnxruntime-node/"
cp "$O/bin/napi-v6/linux/x64/onnxruntime_binding.node" "$NM/onnxruntime-node/bin/napi-v6/linux/x64/"
xz -T2 -6 -c "$O/bin/napi-v6/linux/x64/libonnxruntime.so.1" > "$C/libonnxruntime.so.1.xz"

# llama.cpp source: the bundle node-llama-cpp ships, pruned (scripts/lib/pack-llama-src.sh)
. scripts/lib/pack-llama-src.sh
pack_llama_src "$C/llama-src.tar.xz"
du -sh "$C" dist
