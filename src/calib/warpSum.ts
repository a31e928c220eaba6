const f = Math.fround;

/**
 * Lanes of torch's CUDA "persistent" softmax (`softmax_warp_forward`, used for rows of at most 1024
 * elements) for a row of `count` elements: the next power of two ≥ count, at most 32. Element j goes to
 * lane j mod width.
 */
export function warpWidth(count: number): number {
  let width = 1;
  while (width < count && width < 32) width *= 2;
  return width;
}

/**
 * Finish a warp reduction: `lanes[0 … width)` hold each lane's float32 partial sum (its elements added
 * in index order); torch combines them with a xor butterfly (offsets width/2, …, 1), every step a
 * float32 addition. Returns the row sum. Overwrites `lanes`.
 */
export function warpButterfly(lanes: Float64Array, width: number): number {
  const next = new Float64Array(width);
  for (let offset = width >> 1; offset > 0; offset >>= 1) {
    for (let i = 0; i < width; i++) next[i] = f(lanes[i] + lanes[i ^ offset]);
    lanes.set(next.subarray(0, width));
  }
  return lanes[0];
}

/** Float32 sum of `values[0 … count)` in the order of torch's CUDA warp softmax. */
export function warpSum(values: ArrayLike<number>, count: number): number {
  const width = warpWidth(count);
  const lanes = new Float64Array(width);
  for (let j = 0; j < count; j++) lanes[j % width] = f(lanes[j % width] + values[j]);
  return warpButterfly(lanes, width);
}
