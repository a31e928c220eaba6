/**
 * The official CMMLU prompt (the CMMLU repository's src/mp_utils.py): a header naming the subject in
 * Chinese, k solved dev questions, then the question ending in `答案是：`, which the choice letter
 * completes. Shots are given in file order.
 */
import type { CmmluQuestion } from "./cmmluTypes.js";

export function formatCmmluQuestion(question: CmmluQuestion, withAnswer: boolean): string {
  const [a, b, c, d] = question.choices;
  const body = `题目：${question.question}\nA. ${a}\nB. ${b}\nC. ${c}\nD. ${d}\n答案是：`;
  return withAnswer ? `${body}${question.answer}\n\n` : body;
}

export function cmmluPromptHeader(subjectZh: string): string {
  return `以下是关于${subjectZh}的单项选择题，请直接给出正确答案的选项。\n\n`;
}

export function buildCmmluPrompt(params: { subjectZh: string; shots: readonly CmmluQuestion[]; question: CmmluQuestion }): string {
  return cmmluPromptHeader(params.subjectZh) + params.shots.map((s) => formatCmmluQuestion(s, true)).join("") + formatCmmluQuestion(params.question, false);
}
