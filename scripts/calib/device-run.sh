#!/usr/bin/env bash
# Calibration at full size on the device machine's GPU: the llama engine (libllama with eval callback)
# over the full-size synthetic gpt-oss-20b, with llama.cpp built here as shared libraries with CUDA
# (sm_90) and handed to oss-prep through OSS_PREP_LLAMA_CPP_BINS.
# Usage (repo root, with .device-carry-calib/ from scripts/calib/pack-device-carry.sh, carrying
# [".device-carry-calib", "dist"]):  bash scripts/calib/device-run.sh [awq-128] [prune] [awq-16]
# Writes into $OUT: log lines with timings, per run the command's --json summary and stderr tail, the
# machine's nvidia-smi, and results.json (wall seconds per run, the card's name).
set -uo pipefail
: "${OUT:?OUT must be set}"
RUNS=${*:-awq-128 prune}
T0=$(date +%s)
W=/tmp/cw
mkdir -p "$W"
log() { echo "[$(( $(date +%s) - T0 )) s] $*"; }

log "machine"
nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv | tee "$OUT/nvidia-smi.csv"
nproc; free -g | head -2; df -h /tmp | tail -1

log "node and node_modules"
xz -dc .device-carry-calib/node.xz > "$W/node" && chmod +x "$W/node"
export PATH="$W:$PATH"
rm -rf node_modules && cp -r .device-carry-calib/node_modules node_modules
xz -dc .device-carry-calib/libonnxruntime.so.1.xz > node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1
node --version

log "building llama.cpp (shared libraries, CUDA sm_90, backends as modules) in the background"
(
  mkdir -p "$W/src" && tar -C "$W/src" -xJf .device-carry-calib/llama-src.tar.xz &&
  cmake -S "$W/src" -B "$W/bt" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON -DGGML_BACKEND_DL=ON \
    -DGGML_NATIVE=ON -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 -DGGML_CUDA_NCCL=OFF -DGGML_OPENMP=OFF -DLLAMA_OPENSSL=OFF \
    -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_TOOLS=OFF \
    -DLLAMA_BUILD_COMMON=OFF -DLLAMA_BUILD_APP=OFF &&
  cmake --build "$W/bt" --target llama ggml-cpu ggml-cuda -j "$(nproc)" &&
  mkdir -p "$W/bins" && find "$W/bt" -name '*.so*' -exec cp -P {} "$W/bins/" \;
) > "$OUT/build.log" 2>&1 &
BUILD_PID=$!

CK=$W/gpt-oss-20b-synthetic
log "synthesizing the full-size checkpoint"
node dist/src/cli/main.js synth --preset gpt-oss-20b --out "$CK" --json > "$W/synth.json" 2> "$W/synth.log" || { log "synth failed"; tail -5 "$W/synth.log"; }
log "converting to BF16 GGUF"
GG=$W/gpt-oss-20b-synthetic-BF16.gguf
node dist/src/cli/main.js convert "$CK" --outtype bf16 -o "$GG" --json > "$W/convert.json" 2> "$W/convert.log" || { log "convert failed"; tail -5 "$W/convert.log"; }
# prune's calibration text: the built-in AWQ set (no CMMLU offline here), repeated past 8,192 tokens
node -e 'import("./dist/src/calib/data/builtinCalibrationText.js").then((m) => process.stdout.write(Array(8).fill(m.BUILTIN_CALIBRATION_DOCUMENTS.join("\n\n")).join("\n\n")))' > "$W/calib.txt"
wait "$BUILD_PID"; log "build rc=$? $(tail -1 "$OUT/build.log")"
ls "$W/bins" | tee "$OUT/bins.txt"
export OSS_PREP_LLAMA_CPP_BINS=$W/bins

echo "{" > "$OUT/results.json"
first=1
for run in $RUNS; do
  case "$run" in
    awq-128) args=(awq "$CK" --engine llama --gguf "$GG" --samples 128 --seqlen 512 -o "$W/awq-128") ;;
    awq-16) args=(awq "$CK" --engine llama --gguf "$GG" --samples 16 --seqlen 512 -o "$W/awq-16") ;;
    prune) args=(prune "$CK" --engine llama --gguf "$GG" --calib "$W/calib.txt" --calib-tokens 8192 --experts-keep 22 -o "$W/prune") ;;
    *) log "unknown run $run"; continue ;;
  esac
  log "run $run: oss-prep ${args[*]}"
  s=$(date +%s.%N)
  /usr/bin/time -v node dist/src/cli/main.js "${args[@]}" --json > "$OUT/$run.json" 2> "$OUT/$run.stderr"
  rc=$?
  e=$(date +%s.%N)
  secs=$(echo "$e - $s" | bc)
  rss=$(grep "Maximum resident" "$OUT/$run.stderr" | awk '{print $6}')
  log "run $run rc=$rc ${secs} s, peak RSS ${rss} KiB"
  tail -3 "$OUT/$run.stderr" | head -1
  [ $first = 1 ] || echo "," >> "$OUT/results.json"
  first=0
  echo "\"$run\": {\"rc\": $rc, \"seconds\": $secs, \"peakRssKiB\": ${rss:-0}, \"gpu\": \"$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)\"}" >> "$OUT/results.json"
  tail -c 200000 "$OUT/$run.stderr" > "$OUT/$run.stderr.tmp" && mv "$OUT/$run.stderr.tmp" "$OUT/$run.stderr"
done
echo "}" >> "$OUT/results.json"
log "done"
