#!/usr/bin/env python3
"""Write a JSON digest of GGUF files, for byte-identity tests of our converter.

Usage:
    python3 make_convert_reference.py FILE.gguf OUT.json [FILE2.gguf OUT2.json ...]
        [--generator-json '{"...": ...}']

Needs numpy and llama.cpp's gguf-py (put its directory on PYTHONPATH so the
bundled version is used rather than a pip one).

The digest holds:
  * file: size, sha256 of the whole file, sha256 of the header region (everything
    before the tensor data), offset of the tensor data section;
  * header: GGUF version, alignment, tensor count, KV count;
  * kv: every metadata key/value in file order, with its GGUF value type name and id
    and its value. Arrays carry item type, length and every value. Float scalars also
    carry the little-endian bytes as hex (`raw_hex`) so comparisons can be exact.
    Strings that are not valid UTF-8 are stored as {"hex": "..."}.
  * tensors: every tensor info in file order: name, ggml type name and id, shape in
    ggml order (ne0 first), element count, offset relative to the data section,
    byte length, sha256 of the data bytes.
"""
from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import gguf
from gguf import GGUFReader, GGUFValueType, GGMLQuantizationType


def _decode_str(raw: np.ndarray) -> Any:
    b = raw.tobytes()
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return {"hex": b.hex()}


def _scalar(part: np.ndarray, vtype: GGUFValueType) -> Any:
    v = part.tolist()[0]
    if vtype == GGUFValueType.BOOL:
        return bool(v)
    return v


def field_entry(field: Any) -> dict[str, Any]:
    types: list[GGUFValueType] = field.types
    main = types[0]
    entry: dict[str, Any] = {"key": field.name, "type": main.name, "type_id": int(main)}
    if main == GGUFValueType.ARRAY:
        # Nested arrays: types holds [ARRAY, ARRAY, ..., leaf]; gguf-py only flattens
        # one level, which is all llama.cpp's converter writes.
        item = types[-1]
        entry["item_type"] = item.name
        entry["item_type_id"] = int(item)
        if len(types) > 2:
            entry["nested_types"] = [t.name for t in types[1:]]
        if item == GGUFValueType.STRING:
            values = [_decode_str(field.parts[i]) for i in field.data]
        else:
            values = [_scalar(field.parts[i], item) for i in field.data]
        entry["length"] = len(values)
        entry["value"] = values
        if item in (GGUFValueType.FLOAT32, GGUFValueType.FLOAT64):
            entry["raw_hex"] = b"".join(field.parts[i].tobytes() for i in field.data).hex()
    elif main == GGUFValueType.STRING:
        entry["value"] = _decode_str(field.parts[-1])
    else:
        entry["value"] = _scalar(field.parts[-1], main)
        if main in (GGUFValueType.FLOAT32, GGUFValueType.FLOAT64):
            entry["raw_hex"] = field.parts[-1].tobytes().hex()
    return entry


def digest(path: Path) -> dict[str, Any]:
    reader = GGUFReader(path, "r")
    raw = reader.data  # np.memmap of the whole file, uint8
    file_bytes = memoryview(raw)

    header_fields = {"GGUF.version", "GGUF.tensor_count", "GGUF.kv_count"}
    kvs = [field_entry(f) for name, f in reader.fields.items() if name not in header_fields]
    version = int(reader.fields["GGUF.version"].parts[0][0])
    n_tensors = int(reader.fields["GGUF.tensor_count"].parts[0][0])
    n_kv = int(reader.fields["GGUF.kv_count"].parts[0][0])
    assert len(kvs) == n_kv, (len(kvs), n_kv)
    assert len(reader.tensors) == n_tensors

    tensors = []
    for t in reader.tensors:
        start = int(t.data_offset)
        n_bytes = int(t.n_bytes)
        data = file_bytes[start:start + n_bytes]
        assert len(data) == n_bytes
        qtype = GGMLQuantizationType(int(t.tensor_type))
        tensors.append({
            "name": t.name,
            "type": qtype.name,
            "type_id": int(qtype),
            "shape": [int(x) for x in t.shape],
            "n_elements": int(t.n_elements),
            "offset": start - int(reader.data_offset),
            "n_bytes": n_bytes,
            "sha256": hashlib.sha256(data).hexdigest(),
        })

    data_offset = int(reader.data_offset)
    return {
        "file": {
            "name": path.name,
            "size": int(raw.shape[0]),
            "sha256": hashlib.sha256(file_bytes).hexdigest(),
            "header_sha256": hashlib.sha256(file_bytes[:data_offset]).hexdigest(),
            "data_offset": data_offset,
        },
        "header": {
            "magic": "GGUF",
            "version": version,
            "alignment": int(reader.alignment),
            "n_tensors": n_tensors,
            "n_kv": n_kv,
            "endianness": reader.endianess.name,
        },
        "kv": kvs,
        "tensors": tensors,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pairs", nargs="+", help="GGUF path then JSON output path, repeated")
    ap.add_argument("--generator-json", default=None,
                    help="JSON object stored under 'generator' in every digest")
    args = ap.parse_args()
    if len(args.pairs) % 2:
        ap.error("expected pairs of GGUF path and JSON output path")
    generator = json.loads(args.generator_json) if args.generator_json else {}
    generator.setdefault("digest_script", "scripts/reference/make_convert_reference.py")
    generator.setdefault("gguf_py_file", gguf.__file__)
    for i in range(0, len(args.pairs), 2):
        src, dst = Path(args.pairs[i]), Path(args.pairs[i + 1])
        d = {"generator": generator, **digest(src)}
        with open(dst, "w", encoding="utf-8") as f:
            json.dump(d, f, ensure_ascii=False, indent=1)
            f.write("\n")
        print(f"{src} -> {dst}: {d['header']['n_kv']} kv, {d['header']['n_tensors']} tensors, "
              f"{d['file']['size']} bytes, sha256 {d['file']['sha256']}")


if __name__ == "__main__":
    main()
