/**
 * Every stage that exists. Definitions are light (params schema, declared inputs and outputs); each
 * stage's implementation is imported only when it runs. The pipeline loader is handed this list
 * (`loadPipelineSpecFile({ file, stages })`): pipeline/ never imports a stage.
 */
import type { StageDefinition } from "../pipeline/types.js";
import { awqStage } from "./awq/definition.js";
import { convertStage } from "./convert/definition.js";
import { downloadStage } from "./download/definition.js";
import { evalStage } from "./eval/definition.js";
import { publishStage } from "./publish/definition.js";
import { pruneStage } from "./prune/definition.js";
import { quantizeStage } from "./quantize/definition.js";
import { sourceStage } from "./source/definition.js";
import { vramStage } from "./vram/definition.js";

// biome-ignore lint/suspicious/noExplicitAny: each stage has its own params type
export const STAGES: readonly StageDefinition<any>[] = [sourceStage, convertStage, quantizeStage, downloadStage, publishStage, evalStage, pruneStage, awqStage, vramStage];
