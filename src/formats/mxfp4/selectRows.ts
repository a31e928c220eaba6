export interface SelectRowsParams {
  /** Row-major tensor bytes. */
  data: Uint8Array;
  /** Tensor shape in elements, e.g. [E, 2R, C/32, 16] (blocks), [E, 2R, C/32] (scales), [E, 2R] (bias). */
  shape: readonly number[];
  /** 0 keeps rows 0, 2, 4… (gpt-oss `gate`), 1 keeps rows 1, 3, 5… (`up`). */
  parity: 0 | 1;
  /** Dimension whose indices are selected; default 1 (the rows of an [E, rows, …] expert tensor). */
  axis?: number;
  /** Bytes per element; default 1 (uint8 blocks/scales); 2 for a bf16 bias. */
  bytesPerElement?: number;
}

/**
 * Every other index along one axis: how gpt-oss's fused `gate_up_proj` (gate and up interleaved by row,
 * `[:, ::2]` / `[:, 1::2]` in llama.cpp's converter) splits into gate and up. Works on the MXFP4 blocks
 * and scales and on the bias alike, since it only moves whole inner slices. Returns the shape with that
 * axis halved.
 */
export function selectRows(params: SelectRowsParams): { data: Buffer; shape: number[] } {
  const { data, shape, parity } = params;
  const axis = params.axis ?? 1;
  const bytesPerElement = params.bytesPerElement ?? 1;
  if (!Number.isInteger(axis) || axis < 0 || axis >= shape.length) {
    throw new RangeError(`selectRows: axis ${axis} out of range for shape [${shape.join(", ")}]`);
  }
  const rows = shape[axis];
  if (rows % 2 !== 0) throw new RangeError(`selectRows: axis ${axis} of [${shape.join(", ")}] is odd`);
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const innerBytes = shape.slice(axis + 1).reduce((a, b) => a * b, 1) * bytesPerElement;
  if (data.length !== outer * rows * innerBytes) {
    throw new RangeError(`selectRows: ${data.length} bytes do not match shape [${shape.join(", ")}] × ${bytesPerElement}`);
  }
  const half = rows / 2;
  const out = Buffer.allocUnsafeSlow(outer * half * innerBytes);
  let o = 0;
  // Small slices (a bf16 bias element, a row of a few scales): a byte loop beats subarray + set.
  const copyByBytes = innerBytes < 64;
  for (let e = 0; e < outer; e++) {
    const base = e * rows * innerBytes;
    for (let r = parity; r < rows; r += 2) {
      const from = base + r * innerBytes;
      if (copyByBytes) {
        for (let b = 0; b < innerBytes; b++) out[o + b] = data[from + b];
      } else {
        out.set(data.subarray(from, from + innerBytes), o);
      }
      o += innerBytes;
    }
  }
  const outShape = [...shape];
  outShape[axis] = half;
  return { data: out, shape: outShape };
}
