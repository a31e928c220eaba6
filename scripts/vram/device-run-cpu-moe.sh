#!/usr/bin/env bash
# Measure experts-on-CPU placements (llama.cpp's --n-cpu-moe), quantized KV caches and --no-mmap with
# llama-server (CUDA, sm_90) on one GPU of the device machine, against the planner (docs/vram.md,
# "Experts in host memory"). Models: the full-size synthetic gpt-oss-20b, Q5_K_M with the experts kept,
# and the synthetic gpt-oss-120b cut to its first 4 layers (`synth --layers 4`, 128 experts per layer:
# the shapes of the real one, 9 GB instead of 65), Q5_K_M.
# Usage (repo root, .device-carry/ from scripts/vram/pack-device-carry.sh with the compiled CLI in
# .device-carry/dist): bash scripts/vram/device-run-cpu-moe.sh [RUN…]   (default: every run, in order)
# Building llama-server takes ~6 min on the 16-core H100 machine (while the models are written): with the
# 10-minute limit of a call, about 10 runs fit after it; DEADLINE (seconds) stops starting new ones.
# Writes $OUT/results.tar.xz (per run: vram.json/md/html, runtime.log with llama.cpp's buffer lines,
# the llama-server process's RSS samples), re-packed after every run so a timeout keeps what was measured.
set -uo pipefail
: "${OUT:?OUT must be set}"
T0=$(date +%s)
W=/tmp/vw
R=$W/res
mkdir -p "$W" "$R"
log() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
pack() { tar -C "$W" -cf - res | xz -T0 -6 > "$OUT/results.tar.xz.tmp" && mv "$OUT/results.tar.xz.tmp" "$OUT/results.tar.xz"; }

log "machine"
nvidia-smi --query-gpu=index,name,memory.total,memory.used,driver_version --format=csv | tee "$R/nvidia-smi.txt"
nproc; free -g | head -2; df -h /tmp | tail -1

xz -dc .device-carry/node.xz > "$W/node" && chmod +x "$W/node"
export PATH="$W:$PATH"
rm -rf node_modules && cp -r .device-carry/node_modules node_modules
CLI=.device-carry/dist/src/cli/main.js
node --version

. scripts/vram/start-llama-server-build.sh

C20=$W/synth-20b; C120=$W/synth-120b-4l
Q20=$W/gpt-oss-20b-synthetic-Q5_K_M.gguf; Q120=$W/gpt-oss-120b-4layers-synthetic-Q5_K_M.gguf
(node "$CLI" synth --preset gpt-oss-20b --out "$C20" --json > "$R/synth-20b.json" 2>&1 &&
  node "$CLI" quantize "$C20" --type Q5_K_M --experts keep -o "$Q20" --json > "$R/quantize-20b.json" 2> "$R/quantize-20b.log"; echo "[$(( $(date +%s) - T0 )) s] 20b ready rc=$?"; rm -rf "$C20") &
P20=$!
(node "$CLI" synth --preset gpt-oss-120b --layers 4 --out "$C120" --json > "$R/synth-120b.json" 2>&1 &&
  node "$CLI" quantize "$C120" --type Q5_K_M --experts keep -o "$Q120" --json > "$R/quantize-120b.json" 2> "$R/quantize-120b.log"; echo "[$(( $(date +%s) - T0 )) s] 120b-4l ready rc=$?"; rm -rf "$C120") &
P120=$!

if [ -n "$BUILD_PID" ]; then wait "$BUILD_PID"; log "build rc=$? $(tail -1 "$R/build.log")"; fi
"$W/llama-server" --version > "$R/llama-server-version.txt" 2>&1
wait "$P20"; wait "$P120"; ls -la "$Q20" "$Q120"
pack

SERVER="$W/llama-server -m {model} --port {port} -c {ctx} -np {parallel} --kv-unified -ngl 999 -fa on -fit off -t {threads} --no-webui -lv 4"
# name | model | ctx | extra vram flags
RUNS=(
  "20b-n0-c4096|$Q20|4096|"
  "20b-n12-c4096|$Q20|4096|--n-cpu-moe 12"
  "20b-n24-c4096|$Q20|4096|--n-cpu-moe 24"
  "120b4-n2-c4096|$Q120|4096|--n-cpu-moe 2"
  "20b-n12-c32768|$Q20|32768|--n-cpu-moe 12"
  "20b-n0-c32768-q8|$Q20|32768|--cache-type q8_0"
  "20b-n12-c4096-nommap|$Q20|4096|--n-cpu-moe 12 --no-mmap"
  "20b-n1-c4096|$Q20|4096|--n-cpu-moe 1"
  "120b4-n0-c4096|$Q120|4096|"
  "120b4-n4-c4096|$Q120|4096|--n-cpu-moe 4"
  "20b-n12-c32768-q8|$Q20|32768|--n-cpu-moe 12 --cache-type q8_0"
)
WANT=" ${*:-} "
for run in "${RUNS[@]}"; do
  IFS='|' read -r NAME G CTX EXTRA <<< "$run"
  [ -n "${*:-}" ] && [[ "$WANT" != *" $NAME "* ]] && continue
  # stop starting runs that could not finish inside the call's limit (DEADLINE seconds after the start)
  if [ $(( $(date +%s) - T0 )) -gt "${DEADLINE:-560}" ]; then log "deadline: $NAME and later runs not measured"; break; fi
  log "vram $NAME"
  # the server's resident memory (anonymous, file-backed, pinned) every 0.5 s
  ( while :; do for p in $(pgrep -x llama-server); do echo "$(date +%s.%N) $(grep -E '^(VmRSS|RssAnon|RssFile|VmPin|VmLck)' /proc/$p/status 2>/dev/null | tr -s ' \n' ' ')"; done; sleep 0.5; done ) > "$R/$NAME.rss" 2>/dev/null &
  RSS_PID=$!
  # shellcheck disable=SC2086
  node "$CLI" vram "$G" --gpus 0 --ctx "$CTX" --parallel 1 --server "$SERVER" $EXTRA --out "$R/$NAME" --json > "$R/$NAME.summary.json" 2> "$R/$NAME.stderr"
  log "rc=$? $(grep -h 'buffer size' "$R/$NAME/runtime.log" 2>/dev/null | sed 's/.*: *//' | tr -s ' ' | tr '\n' ';')"
  kill "$RSS_PID" 2>/dev/null
  pack
done
log "done"
