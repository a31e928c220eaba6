/**
 * Every stage that exists, by name. Definitions are light (params parsing, declared inputs and
 * outputs); each stage's implementation is imported only when it runs.
 */
import type { StageDefinition } from "./types.js";
import { awqStage } from "../stages/awq/definition.js";
import { convertStage } from "../stages/convert/definition.js";
import { downloadStage } from "../stages/download/definition.js";
import { evalStage } from "../stages/eval/definition.js";
import { publishStage } from "../stages/publish/definition.js";
import { pruneStage } from "../stages/prune/definition.js";
import { quantizeStage } from "../stages/quantize/definition.js";
import { vramStage } from "../stages/vram/definition.js";
import { sourceStage } from "../stages/source/definition.js";

const STAGES: StageDefinition<any>[] = [sourceStage, convertStage, quantizeStage, downloadStage, publishStage, evalStage, pruneStage, awqStage, vramStage];

export function registerStage(definition: StageDefinition<any>): void {
  if (STAGES.some((s) => s.name === definition.name)) throw new Error(`stage ${definition.name} registered twice`);
  STAGES.push(definition);
}

export function stageDefinition(name: string): StageDefinition<unknown> | undefined {
  return STAGES.find((s) => s.name === name);
}

export function stageNames(): string[] {
  return STAGES.map((s) => s.name);
}
