/**
 * A text's width in SVG units, estimated: the report renderers are pure functions with no font at hand.
 * 0.62 em per character is above the average of DejaVu Sans (the widest common sans) for the labels
 * used, so labels laid out with it do not collide; the browser test (test/reports) measures the real boxes.
 */
export function estimateTextWidth(text: string, fontSize: number): number {
  return [...text].length * fontSize * 0.62;
}
