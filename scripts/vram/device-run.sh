#!/usr/bin/env bash
# Measure VRAM of the full-size synthetic gpt-oss-20b (Q5_K_M with kept experts, and MXFP4_MOE) at
# context 4096 and 32768 with llama.cpp's llama-server (CUDA, sm_90), on the device machine.
# Usage (from the repo root, with .device-carry/ prepared by scripts/vram/pack-device-carry.sh):
#   bash scripts/vram/device-run.sh 1gpu [2gpu]     (1gpu: GPU 0 alone; 2gpu: GPUs 0,1, layer split)
# Writes into $OUT: results-<mode>.tar.xz (per configuration: vram.json/md/html, runtime.log; the
# machine's nvidia-smi, a raw nvidia-smi trace of the first run), and, when llama-server was built here,
# llama-server.xz.part-* to carry next time. Results are re-packed after every run, so a timeout
# still returns what was measured. See docs/vram.md.
set -uo pipefail
: "${OUT:?OUT must be set}"
MODES=${*:-1gpu}
ONLY=${ONLY:-}
T0=$(date +%s)
W=/tmp/vw
R=$W/res
mkdir -p "$W" "$R"
log() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
# never NVLink multicast on these machines (see the device README)
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1

pack() {
  tar -C "$W" -cf - res | xz -T0 -6 > "$OUT/results.tar.xz.tmp" && mv "$OUT/results.tar.xz.tmp" "$OUT/results.tar.xz"
}

log "machine"
nvidia-smi | tee "$R/nvidia-smi.txt"
nvidia-smi --query-gpu=index,name,memory.total,memory.used,driver_version --format=csv | tee -a "$R/nvidia-smi.txt"
nproc; free -g; df -h /tmp | tail -1; nvcc --version | tail -2; cmake --version | head -1

log "node"
xz -dc .device-carry/node.xz > "$W/node" && chmod +x "$W/node"
export PATH="$W:$PATH"
rm -rf node_modules && cp -r .device-carry/node_modules node_modules
node --version

. scripts/vram/start-llama-server-build.sh

CK=$W/gpt-oss-20b-synthetic
if [ ! -d "$CK" ]; then
  log "synthesizing the full-size checkpoint"
  node dist/src/cli/main.js synth --preset gpt-oss-20b --out "$CK" --json > "$R/synth.json" 2> "$R/synth.log" || { log "synth failed"; tail -5 "$R/synth.log"; }
  log "synth done: $(du -sh "$CK" | cut -f1)"
fi
Q5=$W/gpt-oss-20b-synthetic-Q5_K_M.gguf
MX=$W/gpt-oss-20b-synthetic-MXFP4_MOE.gguf
[ -f "$Q5" ] || (node dist/src/cli/main.js quantize "$CK" --type Q5_K_M --experts keep -o "$Q5" --json > "$R/quantize-q5.json" 2> "$R/quantize-q5.log"; echo "[$(( $(date +%s) - T0 )) s] Q5_K_M done rc=$?") &
Q5_PID=$!
[ -f "$MX" ] || (node dist/src/cli/main.js quantize "$CK" --type MXFP4_MOE --experts keep -o "$MX" --json > "$R/quantize-mx.json" 2> "$R/quantize-mx.log"; echo "[$(( $(date +%s) - T0 )) s] MXFP4_MOE done rc=$?") &
MX_PID=$!

if [ -n "$BUILD_PID" ]; then
  wait "$BUILD_PID"; log "build rc=$? $(tail -2 "$R/build.log" | tr '\n' ' ')"
fi
"$W/llama-server" --version 2>&1 | tee "$R/llama-server-version.txt"
pack

SERVER="$W/llama-server -m {model} --port {port} -c {ctx} -np {parallel} --kv-unified -ngl 999 -fa on -fit off -t {threads} --no-webui -lv 4"
first=1
wait "$Q5_PID"; wait "$MX_PID"
ls -la "$Q5" "$MX"
for MODE in $MODES; do
  case "$MODE" in 1gpu) GPUS=0 ;; 2gpu) GPUS=0,1 ;; *) echo "mode: 1gpu or 2gpu"; exit 2 ;; esac
  for V in Q5_K_M MXFP4_MOE; do
    if [ "$V" = Q5_K_M ]; then G=$Q5; else G=$MX; fi
    for C in 4096 32768; do
      [ -n "$ONLY" ] && [[ "$ONLY" != *"$V-$C"* ]] && continue
      TRACE_PID=
      if [ $first = 1 ]; then
        nvidia-smi --query-gpu=timestamp,index,memory.used,memory.total --format=csv,noheader,nounits -lms 100 --id=$GPUS > "$R/nvidia-smi-trace.csv" &
        TRACE_PID=$!
      fi
      log "vram $V ctx $C on GPU(s) $GPUS"
      node dist/src/cli/main.js vram "$G" --gpus $GPUS --ctx $C --parallel 8 --server "$SERVER" --out "$R/$V-ctx$C-$MODE" --json > "$R/$V-ctx$C-$MODE.summary.json" 2> "$R/$V-ctx$C-$MODE.stderr"
      log "vram rc=$?"; grep -v " I slot\| I srv\|^0\." "$R/$V-ctx$C-$MODE.stderr" | tail -4
      [ -n "$TRACE_PID" ] && kill "$TRACE_PID"
      first=0
      head -16 "$R/$V-ctx$C-$MODE/vram.md" 2>/dev/null | tail -12
      pack
    done
  done
done
log "done"
