#!/usr/bin/env bash
# Produce reference outputs of llama.cpp's own HF -> GGUF converter for the test fixture.
# Runs from the repo root on a machine with python3 + torch + transformers + numpy
# (the device machine); needs an ignored .ref/ prepared as:
#   .ref/tiny-gpt-oss/   config.json generation_config.json model-*.safetensors
#                        model.safetensors.index.json tokenizer.json tokenizer_config.json README.md
#                        (copies of /work/shared/fixtures/tiny-gpt-oss; never commit them;
#                         the directory name matters: it becomes general.name etc.)
#   .ref/llama.cpp/      convert_hf_to_gguf.py conversion/ gguf-py/ (from the llama.cpp checkout
#                        bundled by node-llama-cpp)
# Writes into $OUT: log.txt (via the caller's tee), llama-cpp-convert-{bf16,f32}.json digests,
# convert-info.tar, and the BF16 GGUF as llama-cpp-bf16.gguf.xz.part-NN (15 MiB pieces).
set -uo pipefail
: "${OUT:?OUT must be set}"
LL=.ref/llama.cpp
M=.ref/tiny-gpt-oss
W=/tmp/ref
mkdir -p "$W"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 PYTHONUNBUFFERED=1
export PYTHONPATH="$PWD/$LL/gguf-py${PYTHONPATH:+:$PYTHONPATH}"

echo "== versions"
command -v python3; python3 --version
python3 -m pip list 2>/dev/null | grep -i -E "torch|transformers|numpy|safetensors|gguf|tokenizers|pyyaml|tqdm|sentencepiece"
python3 - <<'EOF' > "$W/versions.json"
import json, sys, platform
import numpy, torch, transformers, safetensors, tokenizers, gguf
print(json.dumps({"python": sys.version.split()[0], "platform": platform.platform(),
    "torch": torch.__version__, "transformers": transformers.__version__, "numpy": numpy.__version__,
    "safetensors": safetensors.__version__, "tokenizers": tokenizers.__version__,
    "gguf_py_file": gguf.__file__}))
EOF
cat "$W/versions.json"

echo "== plain convert_hf_to_gguf.py (unmodified), bf16 and f32"
plain_ok=1
for t in bf16 f32; do
  python3 "$LL/convert_hf_to_gguf.py" "$M" --outtype $t --outfile "$W/plain-$t.gguf" || { plain_ok=0; echo "PLAIN CONVERT $t FAILED"; }
done

echo "== wrapped convert (fallback tokenizer.ggml.pre only if the hash is unknown)"
for t in bf16 f32; do
  python3 scripts/reference/run_llama_convert.py --llama-dir "$LL" --info-out "$W/convert-info-$t.json" -- \
    "$M" --outtype $t --outfile "$W/wrapped-$t.gguf" || echo "WRAPPED CONVERT $t FAILED"
done
echo "== determinism: bf16 again"
python3 scripts/reference/run_llama_convert.py --llama-dir "$LL" -- "$M" --outtype bf16 --outfile "$W/wrapped-bf16-again.gguf" >/dev/null 2>&1
sha256sum "$W"/*.gguf; ls -l "$W"

if [ "$plain_ok" = 1 ]; then src=plain; else src=wrapped; fi
echo "== using $src outputs (plain_ok=$plain_ok)"
echo "$src" > "$W/source.txt"
for t in bf16 f32; do cp "$W/$src-$t.gguf" "$W/llama-cpp-convert-$t.gguf"; done
GEN=$(python3 -c "import json,sys; v=json.load(open('$W/versions.json')); v['converter_outputs']='$src'; print(json.dumps(v))")
python3 scripts/reference/make_convert_reference.py --generator-json "$GEN" \
  "$W/llama-cpp-convert-bf16.gguf" "$OUT/llama-cpp-convert-bf16.json" \
  "$W/llama-cpp-convert-f32.gguf" "$OUT/llama-cpp-convert-f32.json"

echo "== pack"
(cd "$W" && tar cf "$OUT/convert-info.tar" versions.json source.txt convert-info-*.json 2>/dev/null)
if command -v xz >/dev/null; then xz -T0 -6 -c "$W/llama-cpp-convert-bf16.gguf" > "$W/bf16.gguf.xz"
else python3 -c "import lzma,sys; open(sys.argv[2],'wb').write(lzma.compress(open(sys.argv[1],'rb').read(), preset=6))" "$W/llama-cpp-convert-bf16.gguf" "$W/bf16.gguf.xz"; fi
split -b 15M -d "$W/bf16.gguf.xz" "$OUT/llama-cpp-bf16.gguf.xz.part-"
ls -l "$OUT"
echo "== done"
