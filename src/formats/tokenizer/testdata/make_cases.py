#!/usr/bin/env python3
"""Write small Hugging Face tokenizer folders that exercise the branches of llama.cpp's vocab export.

Usage: python3 make_cases.py OUT_DIR

Each case is OUT_DIR/<name>/ with tokenizer.json, tokenizer_config.json, config.json (and whatever else
the case needs) plus case.json: {"vocab_size": N, "expect": "match" | "refuse", "refusal": "text the error message contains"}.
llama_vocab_oracle.py then runs llama.cpp's own code on every case and writes expected.json beside it;
tokenizerToGgufMetadata.cases.test.ts compares our output with that. Only the standard library is used.
"""
from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

O200K = (
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
    "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
    "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
)


def byte_chars() -> list[str]:
    """GPT-2's byte → printable character table, in byte order."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    table, extra = {}, 0
    for b in range(256):
        if b in printable:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return [table[b] for b in range(256)]


def added(id_: int, content: str, special: bool = True, normalized: bool = False) -> dict:
    return {"id": id_, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
            "normalized": normalized, "special": special}


def decoder_entry(tok: dict) -> dict:
    return {k: tok[k] for k in ("content", "lstrip", "normalized", "rstrip", "single_word", "special")}


def base_tokenizer() -> dict:
    vocab = {c: i for i, c in enumerate(byte_chars())}
    merges = [["Ġ", "t"], ["h", "e"], ["Ġt", "he"], ["a", "b"], ["ab", "c"]]
    for a, b in merges:
        vocab[a + b] = len(vocab)
    n = len(vocab)  # 261
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [added(n, "<|startoftext|>"), added(n + 1, "<|endoftext|>"), added(n + 2, "<|return|>")],
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": O200K}, "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
        "post_processor": None,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": merges},
    }


def base_config(tok: dict) -> dict:
    return {
        "bos_token": "<|startoftext|>", "eos_token": "<|return|>", "pad_token": "<|endoftext|>",
        "model_max_length": 4096, "tokenizer_class": "PreTrainedTokenizerFast",
        "added_tokens_decoder": {str(t["id"]): decoder_entry(t) for t in tok["added_tokens"]},
        "chat_template": "{% for m in messages %}{{ m['content'] }}{% endfor %}",
    }


def model_config(vocab_size: int, **extra) -> dict:
    return {"architectures": ["GptOssForCausalLM"], "model_type": "gpt_oss", "vocab_size": vocab_size, **extra}


def write_case(root: Path, name: str, tok: dict, tcfg: dict | None, cfg: dict, vocab_size: int,
               expect: str = "match", refusal: str = "", files: dict[str, str | bytes] | None = None) -> None:
    d = root / name
    d.mkdir(parents=True, exist_ok=True)
    (d / "tokenizer.json").write_text(json.dumps(tok, ensure_ascii=False), encoding="utf-8")
    if tcfg is not None:
        (d / "tokenizer_config.json").write_text(json.dumps(tcfg, ensure_ascii=False, indent=1), encoding="utf-8")
    (d / "config.json").write_text(json.dumps(cfg, indent=1), encoding="utf-8")
    for rel, content in (files or {}).items():
        p = d / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8", newline="")
    case = {"vocab_size": vocab_size, "expect": expect}
    if refusal:
        case["refusal"] = refusal
    (d / "case.json").write_text(json.dumps(case, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    root = Path(sys.argv[1])
    tok = base_tokenizer()
    n = len(tok["model"]["vocab"])

    # Added tokens of every kind, string merges, padding, add_bos/add_eos, list-form chat template.
    t = copy.deepcopy(tok)
    t["model"]["merges"] = [f"{a} {b}" for a, b in t["model"]["merges"]]
    t["added_tokens"] += [
        added(n + 3, "<|tool|>", special=False),                     # not special but looks special
        added(n + 4, "hello▁world", special=False),                  # USER_DEFINED, ▁ becomes a space
        added(n + 5, "norm tok", special=False, normalized=True),    # normalized: no encode/decode
        added(n + 6, "[MARK]", special=True, normalized=True),       # special and normalized
        added(t["model"]["vocab"]["%"], "%", special=True),         # an added token repeating a vocab id
    ]
    c = base_config(t)
    c["add_bos_token"] = True
    c["add_eos_token"] = False
    c["chat_template"] = [{"name": "default", "template": "D"}, {"name": "tool_use", "template": "T"},
                          {"name": "", "template": "skipped"}, {"name": "x", "template": None}]
    write_case(root, "kinds-of-added-tokens", t, c, model_config(n + 12), n + 12)

    # Special ids from config.json when tokenizer_config.json names none; text_config fallback; lists ignored.
    t = copy.deepcopy(tok)
    c = base_config(t)
    for k in ("bos_token", "eos_token", "pad_token"):
        del c[k]
    c["mask_token"] = {"__type": "AddedToken", "content": "<|endoftext|>", "lstrip": False, "normalized": False, "rstrip": False,
                       "single_word": False, "special": True}
    cfg = model_config(n + 3, bos_token_id=n, eos_token_id=[n + 2, n + 1], text_config={"pad_token_id": n + 1},
                       unk_token_id=0)
    write_case(root, "ids-from-config-json", t, c, cfg, n + 3)

    # tokenizer_config.json's eos wins over config.json's; config.json fills the rest.
    t = copy.deepcopy(tok)
    c = base_config(t)
    del c["bos_token"]
    write_case(root, "ids-mixed-sources", t, c, model_config(n + 3, bos_token_id=n + 1, eos_token_id=n + 1), n + 3)

    # TemplateProcessing: <|startoftext|> $A <|endoftext|> with eos <|return|> → eot, add_bos/add_eos/add_sep.
    t = copy.deepcopy(tok)
    t["post_processor"] = {"type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "<|startoftext|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                   {"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}],
        "pair": [{"SpecialToken": {"id": "<|startoftext|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                 {"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                 {"SpecialToken": {"id": "<|endoftext|>", "type_id": 1}}],
        "special_tokens": {
            "<|startoftext|>": {"id": "<|startoftext|>", "ids": [n], "tokens": ["<|startoftext|>"]},
            "<|endoftext|>": {"id": "<|endoftext|>", "ids": [n + 1], "tokens": ["<|endoftext|>"]}}}
    write_case(root, "template-processing", t, base_config(t), model_config(n + 3), n + 3)

    # A Sequence post-processor holding a ByteLevel and a RobertaProcessing (cls/sep filled in).
    t = copy.deepcopy(tok)
    t["post_processor"] = {"type": "Sequence", "processors": [
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
        {"type": "RobertaProcessing", "sep": ["<|endoftext|>", n + 1], "cls": ["<|startoftext|>", n],
         "trim_offsets": True, "add_prefix_space": False}]}
    write_case(root, "roberta-processing", t, base_config(t), model_config(n + 3), n + 3)

    # No merges in tokenizer.json: merges.txt with a header, CRLF, blank and malformed lines.
    t = copy.deepcopy(tok)
    t["model"]["merges"] = []
    merges_txt = "#version: 0.2\r\nĠ t\r\n\r\nh e\r\nbad line here\r\nĠt he\r\na b\nab c\n"
    write_case(root, "merges-txt", t, base_config(t), model_config(n + 3), n + 3, files={"merges.txt": merges_txt})

    # Merges given as pairs with spaces inside parts (encoded as U+0120).
    t = copy.deepcopy(tok)
    t["model"]["vocab"][" "] = n
    t["model"]["vocab"][" x"] = n + 1
    t["model"]["merges"].append([" ", "x"])
    t["added_tokens"] = [dict(a, id=a["id"] + 2) for a in t["added_tokens"]]
    write_case(root, "merges-with-spaces", t, base_config(t), model_config(n + 5), n + 5)

    # chat_template.jinja (CRLF) plus additional_chat_templates; tokenizer_config.json has no chat_template.
    t = copy.deepcopy(tok)
    c = base_config(t)
    del c["chat_template"]
    write_case(root, "jinja-and-additional", t, c, model_config(n + 3), n + 3,
               files={"chat_template.jinja": "main {{ x }}\r\nline two\r\n",
                      "additional_chat_templates/tool-use.jinja": "tools\n"})

    # tokenizer_config.json's "chat_template": null hides chat_template.jinja.
    t = copy.deepcopy(tok)
    c = base_config(t)
    c["chat_template"] = None
    write_case(root, "null-template-hides-jinja", t, c, model_config(n + 3), n + 3,
               files={"chat_template.jinja": "ignored"})

    # No tokenizer_config.json at all: ids from config.json only, no chat template even with a jinja file.
    t = copy.deepcopy(tok)
    write_case(root, "no-tokenizer-config", t, None, model_config(n + 3, bos_token_id=n, eos_token_id=n + 2), n + 3,
               files={"chat_template.jinja": "unused"})

    # A special token of tokenizer_config.json that is only in the model vocabulary: transformers makes it an
    # added special token at its model id (CONTROL); pad has no id (not in tokenizer.json's added_tokens).
    t = copy.deepcopy(tok)
    c = base_config(t)
    c["pad_token"] = "abc"
    write_case(root, "special-token-only-in-model-vocab", t, c, model_config(n + 3), n + 3)

    # A special token that is nowhere in the vocabulary: refused (transformers would append it).
    t = copy.deepcopy(tok)
    c = base_config(t)
    c["pad_token"] = "<pad>"
    write_case(root, "special-token-not-in-vocab", t, c, model_config(n + 4), n + 4,
               expect="refuse", refusal="pad_token: special token \"<pad>\" is not in tokenizer.json; transformers would append it")

    # clean_up_tokenization_spaces on a non-normalized, non-special added token containing " ,": transformers 5
    # ignores it for BPE tokenizers, so the text stays as it is.
    t = copy.deepcopy(tok)
    t["added_tokens"].append(added(n + 3, "x , y", special=False))
    c = base_config(t)
    c["clean_up_tokenization_spaces"] = True
    write_case(root, "clean-up-spaces", t, c, model_config(n + 4), n + 4)


if __name__ == "__main__":
    main()
