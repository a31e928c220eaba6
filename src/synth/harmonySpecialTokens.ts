/**
 * The 21 special tokens of gpt-oss's tokenizer (the harmony format), at their offsets from
 * <|startoftext|>: in gpt-oss-20b ids 199998 <|startoftext|>, 199999 <|endoftext|>, 200002 <|return|>,
 * 200003 <|constrain|>, 200005 <|channel|>, 200006 <|start|>, 200007 <|end|>, 200008 <|message|>,
 * 200012 <|call|>, 200018 <|endofprompt|>; the gaps are `<|reserved_<id>|>`, named by their own id.
 */
export function harmonySpecialTokens(params: { firstId: number }): Array<{ id: number; content: string }> {
  return HARMONY_LAYOUT.map((name, offset) => {
    const id = params.firstId + offset;
    return { id, content: name === null ? `<|reserved_${id}|>` : name };
  });
}

/** Named tokens by offset from <|startoftext|>; null marks a reserved slot. */
const HARMONY_LAYOUT: ReadonlyArray<string | null> = [
  "<|startoftext|>",
  "<|endoftext|>",
  null,
  null,
  "<|return|>",
  "<|constrain|>",
  null,
  "<|channel|>",
  "<|start|>",
  "<|end|>",
  "<|message|>",
  null,
  null,
  null,
  "<|call|>",
  null,
  null,
  null,
  null,
  null,
  "<|endofprompt|>",
];
