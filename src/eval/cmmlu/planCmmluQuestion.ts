/**
 * Prompt and scoring plan for one CMMLU question with up to k shots. When the longest choice
 * sequence would overflow the context, shots are dropped longest first (by tokens) until it fits.
 */
import { InvalidInputError } from "../../errors.js";
import { type QuestionPlan, type ScoringMethod, planChoiceScoring } from "../planChoiceScoring.js";
import { buildCmmluPrompt, formatCmmluQuestion } from "./buildCmmluPrompt.js";
import { CMMLU_LETTERS, type CmmluQuestion } from "./cmmluTypes.js";

export interface PlannedCmmluQuestion {
  question: CmmluQuestion;
  prompt: string;
  plan: QuestionPlan;
  /** Shots kept (≤ requested). */
  shots: number;
}

export function planCmmluQuestion(params: {
  tokenize: (text: string) => number[];
  modelPath: string;
  unknownToken?: number;
  question: CmmluQuestion;
  subjectZh: string;
  /** Dev questions to use as shots, in file order. */
  shots: readonly CmmluQuestion[];
  method: ScoringMethod;
  /** Most tokens one evaluated sequence may have. */
  maxTokens: number;
}): PlannedCmmluQuestion {
  const { tokenize, question, subjectZh, method, maxTokens } = params;
  const shots = [...params.shots];
  const shotTokens = new Map(shots.map((s) => [s, tokenize(formatCmmluQuestion(s, true)).length]));
  for (;;) {
    const prompt = buildCmmluPrompt({ subjectZh, shots, question });
    const plan = planChoiceScoring({
      tokenize,
      context: prompt,
      choices: CMMLU_LETTERS,
      method,
      modelPath: params.modelPath,
      unknownToken: params.unknownToken,
    });
    if (plan.maxTokens <= maxTokens) return { question, prompt, plan, shots: shots.length };
    if (shots.length === 0) {
      throw new InvalidInputError(
        question.file,
        `line ${question.line}: the question alone needs ${plan.maxTokens} tokens, more than the context of ${maxTokens} (raise --ctx)`,
      );
    }
    let longest = 0;
    for (let i = 1; i < shots.length; i++) if (shotTokens.get(shots[i])! > shotTokens.get(shots[longest])!) longest = i;
    shots.splice(longest, 1);
  }
}
