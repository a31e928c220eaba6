/** The VRAM measurement and planner: what other modules (the publish stage's model card) may import. */
export { renderVramMarkdown } from "./renderVramMarkdown.js";
export type { VramReport, PhaseSummary } from "./types.js";
