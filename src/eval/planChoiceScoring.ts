/**
 * Which tokens score each answer choice. With a BPE tokenizer the choice letter is not a token of its
 * own after the prompt: in o200k-style vocabularies (and the fixture's) `：A` is a single token, so
 * `tokenize(context) + [token("A")]` is a sequence the model never saw, and reading the bare letter's
 * logit after `答案是：` scores at chance. The continuation method tokenizes `context + choice` as
 * one string, finds the longest common token prefix with `tokenize(context)`, and scores the
 * log-likelihood of the remaining tokens (which may re-spell the end of the context, e.g. `：A`
 * replacing `：`). All choices share the prefix before the first differing token, so it is evaluated
 * once.
 */
import { InvalidInputError } from "../errors.js";

export const SCORING_METHODS = ["continuation", "letter"] as const;
export type ScoringMethod = (typeof SCORING_METHODS)[number];

export const SCORING_METHOD_DESCRIPTION: Record<ScoringMethod, string> = {
  continuation:
    "sum of log-probabilities of the tokens of tokenize(context + choice) past its longest common token prefix with tokenize(context); highest wins",
  letter: "log-probability of the bare choice-letter token after tokenize(context) (wrong for BPE vocabularies that merge '：A'; diagnostic only)",
};

export interface ChoicePlan {
  /** Tokens of the prompt followed by this choice. */
  tokens: number[];
  /** tokens[scoredFrom..] are scored, each by the distribution after the token before it. */
  scoredFrom: number;
}

export interface QuestionPlan {
  choices: ChoicePlan[];
  /** Length of the token prefix every choice shares (evaluated once per question). */
  prefixLength: number;
  /** Longest choice sequence (what a slot must hold). */
  maxTokens: number;
  /** Tokens of the prompt alone. */
  contextTokens: number;
}

function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

export function planChoiceScoring(params: {
  tokenize: (text: string) => number[];
  context: string;
  choices: readonly string[];
  method: ScoringMethod;
  /** The model file, named in errors about its tokenizer. */
  modelPath: string;
  unknownToken?: number;
}): QuestionPlan {
  const { tokenize, context, choices, method, modelPath, unknownToken } = params;
  const contextTokens = tokenize(context);
  if (contextTokens.length === 0) throw new InvalidInputError(modelPath, "the prompt tokenizes to nothing; cannot score choices");
  const plans: ChoicePlan[] = choices.map((choice) => {
    if (method === "letter") {
      const letter = tokenize(choice);
      if (letter.length !== 1) {
        throw new InvalidInputError(modelPath, `letter scoring needs ${JSON.stringify(choice)} to be one token; the tokenizer gives ${letter.length}`);
      }
      return { tokens: [...contextTokens, letter[0]], scoredFrom: contextTokens.length };
    }
    const tokens = tokenize(context + choice);
    const scoredFrom = commonPrefixLength(tokens, contextTokens);
    if (scoredFrom >= tokens.length) {
      throw new InvalidInputError(modelPath, `the tokenizer cannot encode choice ${JSON.stringify(choice)} after the prompt (no tokens past the prompt)`);
    }
    if (scoredFrom === 0) {
      throw new InvalidInputError(modelPath, `choice ${JSON.stringify(choice)} re-spells the whole prompt; no token precedes it to condition on`);
    }
    if (unknownToken !== undefined && tokens.slice(scoredFrom).includes(unknownToken)) {
      throw new InvalidInputError(modelPath, `the tokenizer has no token for choice ${JSON.stringify(choice)} (it becomes the unknown token ${unknownToken})`);
    }
    return { tokens, scoredFrom };
  });
  const seen = new Map<string, string>();
  plans.forEach((plan, i) => {
    const key = `${plan.tokens.slice(plan.scoredFrom).join(",")}@${plan.scoredFrom}`;
    const other = seen.get(key);
    if (other !== undefined) {
      throw new InvalidInputError(modelPath, `choices ${JSON.stringify(other)} and ${JSON.stringify(choices[i])} tokenize identically after the prompt`);
    }
    seen.set(key, choices[i]);
  });
  let prefixLength = Infinity;
  for (const plan of plans) prefixLength = Math.min(prefixLength, plan.scoredFrom, commonPrefixLength(plan.tokens, plans[0].tokens));
  return {
    choices: plans,
    prefixLength,
    maxTokens: Math.max(...plans.map((p) => p.tokens.length)),
    contextTokens: contextTokens.length,
  };
}
