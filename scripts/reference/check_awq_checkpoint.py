#!/usr/bin/env python3
"""Independent check of an `oss-prep awq` checkpoint against AutoAWQ's own reading of the layout.

Ports awq/utils/packing_utils.py (unpack_awq, reverse_awq_order, dequantize_gemm) to numpy, line for
line, dequantizes every `*.qweight` of the AWQ checkpoint, undoes the folded scale (recovered from the
folded norm / v_proj rows, as oss-prep wrote them) and compares with the source checkpoint's bf16
weights: a wrong packing order gives errors of the order of the weights themselves, a right one the
4-bit quantization error (a few per cent). Needs only numpy.

Usage: python3 scripts/reference/check_awq_checkpoint.py SOURCE_DIR AWQ_DIR
"""
import json
import struct
import sys
from pathlib import Path

import numpy as np

AWQ_REVERSE_ORDER = [0, 4, 1, 5, 2, 6, 3, 7]


def read_safetensors(directory):
    tensors = {}
    for shard in sorted(Path(directory).glob("*.safetensors")):
        data = shard.read_bytes()
        (n,) = struct.unpack("<Q", data[:8])
        header = json.loads(data[8 : 8 + n])
        for name, info in header.items():
            if name == "__metadata__":
                continue
            begin, end = info["data_offsets"]
            raw = data[8 + n + begin : 8 + n + end]
            dtype = info["dtype"]
            if dtype == "BF16":
                values = (np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)
            else:
                values = np.frombuffer(raw, dtype={"F32": np.float32, "F16": np.float16, "I32": np.int32, "U8": np.uint8}[dtype])
            tensors[name] = values.reshape(info["shape"])
    return tensors


def unpack_awq(qweight, qzeros, bits=4):
    shifts = np.arange(0, 32, bits)
    iweights = (qweight[:, :, None] >> shifts[None, None, :]).astype(np.int8).reshape(qweight.shape[0], -1)
    izeros = (qzeros[:, :, None] >> shifts[None, None, :]).astype(np.int8).reshape(qzeros.shape[0], -1)
    return iweights, izeros


def reverse_awq_order(iweights, izeros, bits=4):
    order = np.arange(izeros.shape[-1], dtype=np.int32).reshape(-1, 32 // bits)[:, AWQ_REVERSE_ORDER].reshape(-1)
    return iweights[:, order], izeros[:, order]


def dequantize_gemm(qweight, qzeros, scales, bits, group_size):
    iweight, izeros = unpack_awq(qweight, qzeros, bits)
    iweight, izeros = reverse_awq_order(iweight, izeros, bits)
    iweight = np.bitwise_and(iweight, (2**bits) - 1)
    izeros = np.bitwise_and(izeros, (2**bits) - 1)
    scales = np.repeat(scales.astype(np.float32), group_size, axis=0)
    izeros = np.repeat(izeros, group_size, axis=0)
    return (iweight.astype(np.float32) - izeros) * scales  # [in, out]


def main(source_dir, awq_dir):
    source = read_safetensors(source_dir)
    awq = read_safetensors(awq_dir)
    config = json.loads((Path(awq_dir) / "config.json").read_text())
    q = config["quantization_config"]
    assert q["quant_method"] == "awq" and q["version"] == "gemm" and q["bits"] == 4 and q["zero_point"], q
    group = q["group_size"]
    heads, kv_heads, head_dim = config["num_attention_heads"], config["num_key_value_heads"], config["head_dim"]
    worst = 0.0
    for name in sorted(k for k in awq if k.endswith(".qweight")):
        module = name[: -len(".qweight")]
        if ".mlp.experts." in module:
            continue  # per-expert modules: their source is MXFP4, checked through the GGUF test instead
        w = dequantize_gemm(awq[name], awq[module + ".qzeros"], awq[module + ".scales"], 4, group).T  # [out, in]
        layer = module.split(".")[2]
        norm = source[f"model.layers.{layer}.input_layernorm.weight"] / awq[f"model.layers.{layer}.input_layernorm.weight"]
        original = source[module + ".weight"].astype(np.float32)
        if module.endswith(("q_proj", "k_proj", "v_proj")):
            w = w / norm[None, :]  # undo the input scale s₁ folded into the columns
        if module.endswith("v_proj"):
            s2 = source[module + ".bias"].astype(np.float32) / awq[module + ".bias"]  # bias ÷ s₂ per row
            w = w * s2[:, None]
        if module.endswith("o_proj"):
            v = f"model.layers.{layer}.self_attn.v_proj"
            s2 = source[v + ".bias"].astype(np.float32) / awq[v + ".bias"]
            w = w / np.repeat(s2.reshape(kv_heads, head_dim), heads // kv_heads, axis=0).reshape(-1)[None, :]
        error = np.linalg.norm(w - original) / np.linalg.norm(original)
        worst = max(worst, error)
        print(f"{module}: relative error {error:.4f}")
    print(f"worst relative error {worst:.4f}")
    if worst > 0.15:
        sys.exit(f"reconstruction error {worst:.3f}: the layout does not read as AutoAWQ reads it")


if __name__ == "__main__":
    main(*sys.argv[1:3])
