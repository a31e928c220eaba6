/**
 * Keep the given indices along one axis of a row-major tensor's raw bytes: query heads are slices of
 * q_proj's rows ([nHeads, headDim, hidden], axis 0) and of o_proj's columns ([hidden, nHeads, headDim],
 * axis 1); experts are slices along axis 0 of every expert tensor. Byte-level, so bf16, f32 and MXFP4
 * blocks and scales are copied bit-exactly.
 */
export function selectSlices(params: {
  data: Uint8Array;
  shape: readonly number[];
  axis: number;
  indices: readonly number[];
  bytesPerElement: number;
}): Buffer {
  const { data, shape, axis, indices, bytesPerElement } = params;
  if (!Number.isInteger(axis) || axis < 0 || axis >= shape.length) throw new RangeError(`selectSlices: axis ${axis} out of range for [${shape.join(", ")}]`);
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const extent = shape[axis];
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1) * bytesPerElement;
  if (data.length !== outer * extent * inner) throw new RangeError(`selectSlices: ${data.length} bytes do not match [${shape.join(", ")}] × ${bytesPerElement}`);
  for (const i of indices) if (!Number.isInteger(i) || i < 0 || i >= extent) throw new RangeError(`selectSlices: index ${i} not in [0, ${extent})`);
  const out = Buffer.allocUnsafe(outer * indices.length * inner);
  let o = 0;
  for (let a = 0; a < outer; a++) {
    const base = a * extent * inner;
    for (const i of indices) {
      const from = base + i * inner;
      out.set(data.subarray(from, from + inner), o);
      o += inner;
    }
  }
  return out;
}
