#!/usr/bin/env bash
# Measure VRAM of the full-size synthetic gpt-oss-20b pruned like the pruned-15b variant (22 experts and
# 48 query heads per layer, the planner's counts for target_params 15e9 and heads_keep 75%), Q5_K_M with
# kept experts, at context 4096 and 32768 with llama-server (CUDA, sm_90), on the device machine.
# Memory depends on shapes and types only, so the kept experts and heads are chosen at random (no
# calibration pass: the device carries no onnxruntime); docs/quality.md compares the selection methods.
# Usage (from the repo root, .device-carry/ prepared by scripts/vram/pack-device-carry.sh, dist/ built):
#   bash scripts/vram/device-run-pruned.sh
# Writes $OUT/results.tar.xz (per context: vram.json/md/html, runtime.log; prune and quantize reports).
set -uo pipefail
: "${OUT:?OUT must be set}"
T0=$(date +%s)
W=/tmp/vw
R=$W/res
mkdir -p "$W" "$R"
log() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
pack() {
  tar -C "$W" -cf - res | xz -T0 -6 > "$OUT/results.tar.xz.tmp" && mv "$OUT/results.tar.xz.tmp" "$OUT/results.tar.xz"
}

log "machine"
nvidia-smi --query-gpu=index,name,memory.total,memory.used,driver_version --format=csv | tee "$R/nvidia-smi.txt"
nproc; free -g; df -h /tmp | tail -1

xz -dc .device-carry/node.xz > "$W/node" && chmod +x "$W/node"
export PATH="$W:$PATH"
rm -rf node_modules && cp -r .device-carry/node_modules node_modules
log "node $(node --version)"

. scripts/vram/start-llama-server-build.sh

CK=$W/gpt-oss-20b-synthetic
PR=$W/gpt-oss-20b-synthetic-pruned-15b
Q5=$W/gpt-oss-20b-synthetic-pruned-15b-Q5_K_M.gguf
node dist/src/cli/main.js synth --preset gpt-oss-20b --out "$CK" --json > "$R/synth.json" 2> "$R/synth.log" || log "synth failed: $(tail -3 "$R/synth.log")"
log "synth done: $(du -sh "$CK" | cut -f1)"
node dist/src/cli/main.js prune "$CK" -o "$PR" --target-params 15e9 --heads-keep 75% --score random --head-score random --no-bias-compensation --seed 0 --json > "$R/prune.json" 2> "$R/prune.log" || log "prune failed: $(tail -3 "$R/prune.log")"
log "prune done: $(du -sh "$PR" | cut -f1)"
rm -rf "$CK"
node dist/src/cli/main.js quantize "$PR" --type Q5_K_M --experts keep -o "$Q5" --json > "$R/quantize.json" 2> "$R/quantize.log" || log "quantize failed: $(tail -3 "$R/quantize.log")"
log "quantize done: $(ls -l "$Q5" | awk '{print $5}') bytes"
pack

[ -n "$BUILD_PID" ] && { wait "$BUILD_PID"; log "build rc=$? $(tail -1 "$R/build.log")"; }
"$W/llama-server" --version 2>&1 | tee "$R/llama-server-version.txt"

SERVER="$W/llama-server -m {model} --port {port} -c {ctx} -np {parallel} --kv-unified -ngl 999 -fa on -fit off -t {threads} --no-webui -lv 4"
for C in 4096 32768; do
  log "vram pruned Q5_K_M ctx $C on GPU 0"
  node dist/src/cli/main.js vram "$Q5" --gpus 0 --ctx $C --parallel 8 --server "$SERVER" --out "$R/pruned-Q5_K_M-ctx$C-1gpu" --json > "$R/pruned-Q5_K_M-ctx$C-1gpu.summary.json" 2> "$R/pruned-Q5_K_M-ctx$C-1gpu.stderr"
  log "vram rc=$?"
  head -16 "$R/pruned-Q5_K_M-ctx$C-1gpu/vram.md" 2>/dev/null | tail -12
  pack
done
log "done"
