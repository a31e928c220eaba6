#!/usr/bin/env bash
# Calibration at full size on the device machine's GPU: the llama engine (libllama with eval callback)
# over the full-size synthetic gpt-oss-20b, with llama.cpp built here as shared libraries with CUDA
# (sm_90) and handed to oss-prep through OSS_PREP_LLAMA_CPP_BINS.
# A device command runs at most 10 minutes and the whole job takes longer, so it runs detached:
#   bash scripts/calib/device-run.sh start [awq-128] [prune] [awq-16]   # starts it (setsid), then waits like `wait`
#   bash scripts/calib/device-run.sh wait                                 # waits ≤ 560 s more, copies what is done to $OUT
# (repo root, with .device-carry-calib/ from scripts/calib/pack-device-carry.sh, carrying
# [".device-carry-calib", "dist"]; the calls must follow each other while the machine is warm).
# $OUT gets: job.log (timings), results.json (wall seconds, peak RSS, rc and the card's name per run),
# each run's --json summary and the tail of its stderr, build.log's tail, nvidia-smi.csv.
set -uo pipefail
: "${OUT:?OUT must be set}"
W=/tmp/cw
MODE=${1:-start}
shift || true

collect() {
  cp "$W/job.log" "$OUT/" 2>/dev/null
  [ -f "$W/results.json" ] && cp "$W/results.json" "$OUT/"
  [ -f "$W/nvidia-smi.csv" ] && cp "$W/nvidia-smi.csv" "$OUT/"
  for f in "$W"/run-*.json; do [ -f "$f" ] && cp "$f" "$OUT/"; done
  for f in "$W"/run-*.stderr; do [ -f "$f" ] && tail -c 100000 "$f" > "$OUT/$(basename "$f").tail"; done
  [ -f "$W/build.log" ] && tail -c 20000 "$W/build.log" > "$OUT/build.log.tail"
}

wait_for_job() {
  local until=$(( $(date +%s) + ${1:-560} ))
  while [ "$(date +%s)" -lt "$until" ]; do
    grep -q "^\[.*\] done" "$W/job.log" 2>/dev/null && break
    sleep 10
  done
  tail -25 "$W/job.log"
  collect
}

if [ "$MODE" = "wait" ]; then
  wait_for_job 560
  exit 0
fi

mkdir -p "$W"
RUNS=${*:-awq-128 prune}
cat > "$W/job.sh" <<JOB
#!/usr/bin/env bash
set -uo pipefail
cd "$PWD"
W=$W
RUNS="$RUNS"
JOB
cat >> "$W/job.sh" <<'JOB'
T0=$(date +%s)
log() { echo "[$(( $(date +%s) - T0 )) s] $*" >> "$W/job.log"; }
log "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB"
nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv > "$W/nvidia-smi.csv"
xz -dc .device-carry-calib/node.xz > "$W/node" && chmod +x "$W/node"
export PATH="$W:$PATH"
rm -rf node_modules && cp -r .device-carry-calib/node_modules node_modules
xz -dc .device-carry-calib/libonnxruntime.so.1.xz > node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1
log "node $(node --version)"
(
  mkdir -p "$W/src" && tar -C "$W/src" -xJf .device-carry-calib/llama-src.tar.xz &&
  cmake -S "$W/src" -B "$W/bt" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON -DGGML_BACKEND_DL=ON \
    -DGGML_NATIVE=OFF -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 -DGGML_CUDA_NCCL=OFF -DGGML_OPENMP=OFF -DLLAMA_OPENSSL=OFF \
    -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_TOOLS=OFF \
    -DLLAMA_BUILD_COMMON=OFF -DLLAMA_BUILD_APP=OFF &&
  cmake --build "$W/bt" --target llama ggml-cpu ggml-cuda -j "$(nproc)" &&
  mkdir -p "$W/bins" && find "$W/bt" -name '*.so*' -exec cp -P {} "$W/bins/" \;
) > "$W/build.log" 2>&1 &
BUILD_PID=$!
CK=$W/gpt-oss-20b-synthetic
log "synthesizing the full-size checkpoint"
[ -f "$CK/model.safetensors.index.json" ] || node dist/src/cli/main.js synth --preset gpt-oss-20b --out "$CK" --json > "$W/synth.json" 2> "$W/synth.log" || log "synth failed: $(tail -3 "$W/synth.log")"
log "converting to BF16 GGUF"
GG=$W/gpt-oss-20b-synthetic-BF16.gguf
[ -f "$GG" ] || node dist/src/cli/main.js convert "$CK" --outtype bf16 -o "$GG" --json > "$W/convert.json" 2> "$W/convert.log" || log "convert failed: $(tail -3 "$W/convert.log")"
# calibration text: the built-in set (no CMMLU offline here), repeated past 65,536 tokens
node -e 'import("./dist/src/calib/data/builtinCalibrationText.js").then((m) => process.stdout.write(Array(8).fill(m.BUILTIN_CALIBRATION_DOCUMENTS.join("\n\n")).join("\n\n")))' > "$W/calib.txt"
wait "$BUILD_PID"; log "llama.cpp build rc=$? ($(ls "$W/bins" 2>/dev/null | tr '\n' ' '))"
export OSS_PREP_LLAMA_CPP_BINS=$W/bins
GPU=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)
echo "{" > "$W/results.json"
first=1
for run in $RUNS; do
  case "$run" in
    awq-128) args=(awq "$CK" --engine llama --gguf "$GG" --calib "$W/calib.txt" --samples 128 --seqlen 512 -o "$W/awq-128") ;;
    awq-16) args=(awq "$CK" --engine llama --gguf "$GG" --samples 16 --seqlen 512 -o "$W/awq-16") ;;
    prune) args=(prune "$CK" --engine llama --gguf "$GG" --calib "$W/calib.txt" --calib-tokens 8192 --experts-keep 22 -o "$W/prune") ;;
    *) log "unknown run $run"; continue ;;
  esac
  log "run $run: oss-prep ${args[*]}"
  s=$(date +%s%N)
  /usr/bin/time -v node dist/src/cli/main.js "${args[@]}" --json > "$W/run-$run.json" 2> "$W/run-$run.stderr"
  rc=$?
  ms=$(( ($(date +%s%N) - s) / 1000000 ))
  secs=$(( ms / 1000 )).$(printf %03d $(( ms % 1000 )))
  rss=$(grep "Maximum resident" "$W/run-$run.stderr" | awk '{print $6}')
  log "run $run rc=$rc ${secs} s, peak RSS ${rss} KiB"
  [ $first = 1 ] || echo "," >> "$W/results.json"
  first=0
  echo "\"$run\": {\"rc\": $rc, \"seconds\": $secs, \"peakRssKiB\": ${rss:-0}, \"gpu\": \"$GPU\"}" >> "$W/results.json"
done
echo "}" >> "$W/results.json"
log "done"
JOB
chmod +x "$W/job.sh"
: > "$W/job.log"
setsid nohup bash "$W/job.sh" > "$W/job.out" 2>&1 < /dev/null &
echo "job started (setsid): $RUNS"
wait_for_job 570
