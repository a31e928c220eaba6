/**
 * GPT-2's byte-level alphabet (`bytes_to_unicode`), used by tokenizers' ByteLevel pre-tokenizer/decoder and
 * by llama.cpp: every byte maps to one printable character. Printable Latin-1 bytes map to themselves; the
 * other 68 (controls, space, 0x7f–0xa0, 0xad) map to U+0100 onwards in byte order, so the space is "Ġ"
 * and the newline "Ċ".
 *
 * `ordered` lists the 256 characters in code-point order, which is also the order of ids 0–255 in o200k
 * (and in tokenizers' trained byte-level vocabularies): "!" is token 0.
 */
export function byteLevelAlphabet(): { byteToChar: string[]; charToByte: Map<string, number>; ordered: string[] } {
  if (cached === undefined) {
    const byteToChar = new Array<string>(256);
    let next = 256;
    for (let b = 0; b < 256; b++) {
      const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
      byteToChar[b] = String.fromCodePoint(printable ? b : next++);
    }
    const charToByte = new Map(byteToChar.map((char, b) => [char, b] as const));
    const ordered = [...byteToChar].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    cached = { byteToChar, charToByte, ordered };
  }
  return cached;
}

let cached: { byteToChar: string[]; charToByte: Map<string, number>; ordered: string[] } | undefined;
