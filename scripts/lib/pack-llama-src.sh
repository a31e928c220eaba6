# Sourced by the device pack scripts: pack_llama_src OUT.tar.xz writes llama.cpp's source from
# node-llama-cpp's bundle, without the other backends, tests, docs and models (what a CUDA build of
# llama-server or of the shared libraries needs), with the bundle's commit recorded for --version.
pack_llama_src() {
  local out=$1 W
  W=$(mktemp -d)
  git clone -q node_modules/node-llama-cpp/llama/gitRelease.bundle "$W/llama.cpp"
  mkdir "$W/pruned" "$W/pruned/scripts"
  (cd "$W/llama.cpp" && cp -r CMakeLists.txt cmake ggml src include common tools vendor licenses LICENSE "$W/pruned/" && cp scripts/ui-assets.cmake "$W/pruned/scripts/")
  rm -rf "$W/pruned/ggml/src/"ggml-{vulkan,sycl,metal,opencl,cann,musa,hip,webgpu,zdnn,kompute,hexagon,openvino}
  # no .git there: record the bundle's commit for `llama-server --version`
  sed -i "s/set(BUILD_COMMIT \"unknown\")/set(BUILD_COMMIT \"$(git -C "$W/llama.cpp" rev-parse --short HEAD)\")/" "$W/pruned/cmake/build-info.cmake"
  tar -C "$W/pruned" -cf - . | xz -T2 -6 > "$out"
  rm -rf "$W"
}
