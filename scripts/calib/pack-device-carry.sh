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
cp -r node_modules/commander node_modules/yaml node_modules/koffi node_modules/onnxruntime-common "$NM/"
cp node_modules/@koromix/koffi-linux-x64/package.json node_modules/@koromix/koffi-linux-x64/index.js "$NM/@koromix/koffi-linux-x64/"
cp -r node_modules/@koromix/koffi-linux-x64/linux_x64 "$NM/@koromix/koffi-linux-x64/"
O=node_modules/onnxruntime-node
cp -r "$O/package.json" "$O/dist" "$O/lib" "$NM/onnxruntime-node/"
cp "$O/bin/napi-v6/linux/x64/onnxruntime_binding.node" "$NM/onnxruntime-node/bin/napi-v6/linux/x64/"
xz -T2 -6 -c "$O/bin/napi-v6/linux/x64/libonnxruntime.so.1" > "$C/libonnxruntime.so.1.xz"

# llama.cpp source: the bundle node-llama-cpp ships, without the other backends, tests, docs and models
W=$(mktemp -d)
git clone -q node_modules/node-llama-cpp/llama/gitRelease.bundle "$W/llama.cpp"
mkdir "$W/pruned" "$W/pruned/scripts"
(cd "$W/llama.cpp" && cp -r CMakeLists.txt cmake ggml src include common tools vendor licenses LICENSE "$W/pruned/" && cp scripts/ui-assets.cmake "$W/pruned/scripts/")
rm -rf "$W/pruned/ggml/src/"ggml-{vulkan,sycl,metal,opencl,cann,musa,hip,webgpu,zdnn,kompute,hexagon,openvino}
sed -i "s/set(BUILD_COMMIT \"unknown\")/set(BUILD_COMMIT \"$(git -C "$W/llama.cpp" rev-parse --short HEAD)\")/" "$W/pruned/cmake/build-info.cmake"
tar -C "$W/pruned" -cf - . | xz -T2 -6 > "$C/llama-src.tar.xz"
rm -rf "$W"
du -sh "$C" dist
