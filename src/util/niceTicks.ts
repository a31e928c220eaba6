/** Axis ticks at round numbers from 0 up to at least `max`. */
export interface NiceTicks {
  /** The distance between ticks: 1, 2, 2.5 or 5 times a power of ten. */
  step: number;
  /** The axis' upper end: the first multiple of `step` at or above `max`. */
  top: number;
  /** 0, step, 2·step, …, top. */
  ticks: number[];
}

const MANTISSAS = [1, 2, 2.5, 5, 10];

/**
 * The smallest round step that needs at most `maxTicks` intervals to reach `max`. Because a round step
 * is less than twice the raw one (max / maxTicks), the axis ends below max · (1 + 2 / maxTicks): with
 * the default 10 intervals, within 1.2× of the data, so a chart's scale follows its data.
 */
export function niceTicks(params: { max: number; maxTicks?: number }): NiceTicks {
  const maxTicks = params.maxTicks ?? 10;
  const max = Number.isFinite(params.max) && params.max > 0 ? params.max : 1;
  const raw = max / maxTicks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = MANTISSAS.map((m) => m * power).find((s) => s >= raw * (1 - 1e-12)) ?? 10 * power;
  const intervals = Math.max(1, Math.ceil(max / step - 1e-9));
  // multiply rather than add up: 0.1 + 0.2 style drift would print 0.30000000000000004 on an axis
  const ticks = Array.from({ length: intervals + 1 }, (_, i) => Number((i * step).toPrecision(12)));
  return { step, top: ticks[ticks.length - 1], ticks };
}
