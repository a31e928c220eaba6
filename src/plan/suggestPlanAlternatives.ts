import { type PlanVramParams, planVram } from "../vram/planVram.js";

export interface PlanSuggestion {
  /** What to change, as the option to pass. */
  change: string;
  /** The plan's total on the fullest GPU with it, and the host memory it needs (MiB). */
  fullestGpuMiB: number;
  hostMiB: number;
}

/**
 * When a plan does not fit: what would, with the same GGUF — the fewest layers' experts in host memory
 * (--n-cpu-moe), or the largest context (halving from the asked one). Pure planning, no file read.
 */
export function suggestPlanAlternatives(params: PlanVramParams): PlanSuggestion[] {
  const suggestions: PlanSuggestion[] = [];
  const summary = (plan: ReturnType<typeof planVram>) => ({ fullestGpuMiB: Math.max(...plan.gpus.map((g) => g.totalMiB)), hostMiB: plan.host.requiredMiB });
  const from = params.cpuMoeLayers ?? 0;
  for (let n = from + 1; n <= params.model.nLayers; n++) {
    const plan = planVram({ ...params, cpuMoeLayers: n });
    if (plan.fits) {
      suggestions.push({ change: `--n-cpu-moe ${n}`, ...summary(plan) });
      break;
    }
  }
  for (let ctx = Math.floor(params.ctx / 2); ctx >= 256; ctx = Math.floor(ctx / 2)) {
    const plan = planVram({ ...params, ctx });
    if (plan.fits) {
      suggestions.push({ change: `--ctx ${ctx}`, ...summary(plan) });
      break;
    }
  }
  return suggestions;
}
