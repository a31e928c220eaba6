/**
 * A short chat template in OpenAI's harmony format, written for the synthetic checkpoint (a small subset
 * of what gpt-oss's own template renders: no tools, no dates). It keeps the parts runtimes key on:
 * `<|start|>role<|message|>…<|end|>` turns, `<|channel|>` (llama.cpp recognises a gpt-oss template by it),
 * a developer message for system prompts, the analysis channel for the final turn's reasoning, `<|return|>`
 * closing a final assistant turn, and `<|start|>assistant` as the generation prompt.
 */
export function harmonyChatTemplate(): string {
  return TEMPLATE_LINES.join("\n");
}

const TEMPLATE_LINES = [
  `{#- Harmony-format chat template of the oss-prep synthetic gpt-oss checkpoint. -#}`,
  `{{- "<|start|>system<|message|>You are a synthetic test model.\\nReasoning: " + (reasoning_effort if reasoning_effort is defined else "medium") + "\\n\\n# Valid channels: analysis, commentary, final. Channel must be included for every message.<|end|>" -}}`,
  `{%- for message in messages -%}`,
  `{%- if message.role == "system" or message.role == "developer" -%}`,
  `{{- "<|start|>developer<|message|># Instructions\\n\\n" + message.content + "<|end|>" -}}`,
  `{%- elif message.role == "assistant" -%}`,
  `{%- if loop.last and not add_generation_prompt -%}`,
  `{%- if message.thinking is defined and message.thinking -%}`,
  `{{- "<|start|>assistant<|channel|>analysis<|message|>" + message.thinking + "<|end|>" -}}`,
  `{%- endif -%}`,
  `{{- "<|start|>assistant<|channel|>final<|message|>" + message.content + "<|return|>" -}}`,
  `{%- else -%}`,
  `{{- "<|start|>assistant<|channel|>final<|message|>" + message.content + "<|end|>" -}}`,
  `{%- endif -%}`,
  `{%- else -%}`,
  `{{- "<|start|>" + message.role + "<|message|>" + message.content + "<|end|>" -}}`,
  `{%- endif -%}`,
  `{%- endfor -%}`,
  `{%- if add_generation_prompt -%}`,
  `<|start|>assistant`,
  `{%- endif -%}`,
];
