#!/usr/bin/env python3
"""Run llama.cpp's convert_hf_to_gguf.py unmodified, with one guarded fallback.

Usage:
    python3 run_llama_convert.py --llama-dir DIR [--info-out INFO.json] \
        [--fallback-pre gpt-4o] -- <convert_hf_to_gguf.py arguments>

llama.cpp identifies a BPE pre-tokenizer by hashing the token ids of a fixed probe
text (TextModel.get_vocab_base_pre). A small test tokenizer that uses gpt-oss's
o200k pre-tokenizer regex but only a few thousand merges tokenizes that probe
differently from the real o200k vocabulary, so its hash is unknown to llama.cpp and
the converter raises NotImplementedError. Only in that case this wrapper returns
`--fallback-pre` (the value llama.cpp writes for the real openai/gpt-oss-20b,
"gpt-4o"), and records that it did so in --info-out. If the hash is known, the
converter's own answer is used and nothing is changed.

--info-out also receives the hparams dict the converter sees (transformers'
AutoConfig(...).to_dict()), which depends on the transformers version.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--llama-dir", required=True)
    ap.add_argument("--info-out", default=None)
    ap.add_argument("--fallback-pre", default="gpt-4o")
    ap.add_argument("rest", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    rest = args.rest[1:] if args.rest[:1] == ["--"] else args.rest

    llama_dir = Path(args.llama_dir).resolve()
    sys.path.insert(0, str(llama_dir))
    import convert_hf_to_gguf  # noqa: E402  (inserts llama_dir/gguf-py into sys.path)
    import gguf  # noqa: E402
    from conversion import base  # noqa: E402

    info: dict = {"gguf_py_file": gguf.__file__, "convert_args": rest,
                  "pre_fallback_used": False, "chkhsh_log": []}

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            msg = record.getMessage()
            if "chkhsh" in msg:
                info["chkhsh_log"].append(msg.strip())

    logging.getLogger("hf-to-gguf").addHandler(Capture(level=logging.DEBUG))

    orig_pre = base.TextModel.get_vocab_base_pre

    def get_vocab_base_pre(self, tokenizer):  # type: ignore[no-untyped-def]
        try:
            res = orig_pre(self, tokenizer)
        except NotImplementedError as e:
            logging.getLogger("hf-to-gguf").warning(
                f"[run_llama_convert] {e}; using fallback tokenizer.ggml.pre={args.fallback_pre!r}")
            info["pre_fallback_used"] = True
            info["pre_error"] = str(e)
            res = args.fallback_pre
        info["tokenizer_pre"] = res
        return res

    base.TextModel.get_vocab_base_pre = get_vocab_base_pre

    orig_load_hparams = base.ModelBase.load_hparams

    def load_hparams(dir_model, is_mistral_format):  # type: ignore[no-untyped-def]
        hp = orig_load_hparams(dir_model, is_mistral_format)
        info.setdefault("hparams", json.loads(json.dumps(hp, default=str)))
        return hp

    base.ModelBase.load_hparams = staticmethod(load_hparams)

    sys.argv = [str(llama_dir / "convert_hf_to_gguf.py"), *rest]
    try:
        convert_hf_to_gguf.main()
    finally:
        if args.info_out:
            with open(args.info_out, "w", encoding="utf-8") as f:
                json.dump(info, f, ensure_ascii=False, indent=1)
                f.write("\n")


if __name__ == "__main__":
    main()
