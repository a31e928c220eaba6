/**
 * Round to the nearest integer, ties to even: torch.round, which AutoAWQ's quantizer uses on float32
 * quotients. Exact for float32 inputs (x + 0.5 is exact in double for them); callers pass
 * Math.fround(a / b), the float32 division torch performs. Math.round would send ties up, and is
 * several times slower in V8 than floor.
 */
export function roundHalfToEven(x: number): number {
  const r = Math.floor(x + 0.5);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
