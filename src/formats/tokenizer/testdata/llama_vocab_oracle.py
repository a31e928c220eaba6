#!/usr/bin/env python3
"""Run llama.cpp's own vocab export (TextModel._set_vocab_gpt2, as GptOssModel.set_vocab does) on each case
folder made by make_cases.py and write <case>/expected.json: the GGUF key/values in writer order.

Usage: PYTHONPATH=<llama.cpp>:<llama.cpp>/gguf-py python3 llama_vocab_oracle.py CASES_DIR OUT_DIR

Needs torch + transformers (the converter imports them). get_vocab_base_pre is replaced by "gpt-4o":
llama.cpp recognises the pre-tokenizer by hashing a tokenization that only real vocabularies match.
A case where llama.cpp raises gets {"error": "..."} instead.
"""
from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

import gguf
from conversion.base import TextModel


class Case:
    """Just enough of a TextModel for get_vocab_base and _set_vocab_gpt2."""

    def __init__(self, dir_model: Path):
        self.dir_model = dir_model
        self.hparams = json.loads((dir_model / "config.json").read_text(encoding="utf-8"))
        self.gguf_writer = gguf.GGUFWriter(path=None, arch="gpt-oss")

    def get_vocab_base_pre(self, tokenizer) -> str:
        return "gpt-4o"

    def does_token_look_special(self, token) -> bool:
        return TextModel.does_token_look_special(self, token)  # type: ignore[arg-type]

    def get_vocab_base(self):
        return TextModel.get_vocab_base(self)  # type: ignore[arg-type]


def run(dir_model: Path) -> dict:
    case = Case(dir_model)
    try:
        TextModel._set_vocab_gpt2(case)  # type: ignore[arg-type]
    except Exception as e:  # noqa: BLE001
        return {"error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()}
    kvs = []
    for key, v in case.gguf_writer.kv_data[0].items():
        case.gguf_writer._pack_val(v.value, v.type, add_vtype=True, sub_type=v.sub_type)  # must serialise
        entry = {"key": key, "type": v.type.name}
        value = v.value
        if v.type == gguf.GGUFValueType.ARRAY:
            item = v.sub_type or gguf.GGUFValueType.get_type(value[0])
            entry["item_type"] = item.name
            value = [int(x) if item == gguf.GGUFValueType.INT32 else x for x in value]
        entry["value"] = value
        kvs.append(entry)
    return {"kv": kvs}


def main() -> None:
    cases, out = Path(sys.argv[1]), Path(sys.argv[2])
    import tokenizers, transformers
    versions = {"transformers": transformers.__version__, "tokenizers": tokenizers.__version__}
    for d in sorted(p for p in cases.iterdir() if (p / "case.json").is_file()):
        result = {"generator": {"script": "llama_vocab_oracle.py", **versions}, **run(d)}
        (out / d.name).mkdir(parents=True, exist_ok=True)
        (out / d.name / "expected.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(d.name, "error" if "error" in result else f"{len(result['kv'])} kv")


if __name__ == "__main__":
    main()
