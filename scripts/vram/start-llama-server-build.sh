# Sourced by the device-run scripts (needs W, R and log): puts llama-server in $W, either unpacked from
# the carried parts (.device-carry/llama-server.xz.part-*) or built from the carried source with CUDA
# for sm_90 in the background; BUILD_PID is the build's pid (empty when carried): `wait "$BUILD_PID"`.
BUILD_PID=
if ls .device-carry/llama-server.xz.part-* >/dev/null 2>&1; then
  cat .device-carry/llama-server.xz.part-* | xz -dc > "$W/llama-server" && chmod +x "$W/llama-server"
  log "llama-server carried: $("$W/llama-server" --version 2>&1 | tr '\n' ' ')"
else
  log "building llama-server (CUDA, sm_90) in the background"
  (
    mkdir -p "$W/src" && tar -C "$W/src" -xJf .device-carry/llama-src.tar.xz &&
    cmake -S "$W/src" -B "$W/bt" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=OFF \
      -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 -DGGML_CUDA_NCCL=OFF -DGGML_OPENMP=OFF -DLLAMA_OPENSSL=OFF \
      -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON \
      -DLLAMA_BUILD_APP=OFF &&
    cmake --build "$W/bt" --target llama-server -j "$(nproc)" &&
    cp "$W/bt/bin/llama-server" "$W/llama-server"
  ) > "$R/build.log" 2>&1 &
  BUILD_PID=$!
fi
