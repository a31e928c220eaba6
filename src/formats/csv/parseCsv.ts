/**
 * RFC 4180 CSV: fields separated by commas, records by CRLF or LF; a field in double quotes may hold
 * commas, line breaks and doubled quotes (`""` is one `"`). A quote inside an unquoted field, text
 * after a closing quote, or a quote left open are errors naming the file and the line, since a
 * silently mis-split CMMLU row would shift the choices and corrupt the answer key. CR, LF and CRLF
 * all end a record, in one file too, as in Python's csv module.
 *
 * Kept rather than csv-parse (docs/architecture.md, "Our code or a library"): on all 67 CMMLU
 * subjects csv-parse gives the same records but takes ~9× as long, and it reports a quote left open at
 * the line where the file ends, not where the quote opened.
 */
import { InvalidInputError } from "../../errors.js";

export interface CsvRecord {
  fields: string[];
  /** 1-based line where the record starts (a quoted field may span several lines). */
  line: number;
}

export function parseCsv(params: { text: string; file: string }): CsvRecord[] {
  const { file } = params;
  // A UTF-8 byte-order mark is an encoding artefact, not part of the first header name.
  const text = params.text.charCodeAt(0) === 0xfeff ? params.text.slice(1) : params.text;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = "";
  let line = 1;
  let recordLine = 1;
  // whether anything (even an empty quoted field) was read for the current record
  let started = false;
  let i = 0;
  const n = text.length;
  const endRecord = () => {
    fields.push(field);
    records.push({ fields, line: recordLine });
    fields = [];
    field = "";
    started = false;
  };
  while (i < n) {
    const c = text[i];
    if (c !== "\r" && c !== "\n") started = true;
    if (c === '"') {
      if (field.length > 0) throw new InvalidInputError(file, `line ${line}: quote inside an unquoted field`);
      const openLine = line;
      i++;
      for (;;) {
        if (i >= n) throw new InvalidInputError(file, `line ${openLine}: quoted field is never closed`);
        const q = text[i];
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (q === "\n") line++;
        field += q;
        i++;
      }
      const after = text[i];
      if (i < n && after !== "," && after !== "\n" && after !== "\r") {
        throw new InvalidInputError(file, `line ${line}: unexpected ${JSON.stringify(after)} after a closing quote`);
      }
      continue;
    }
    if (c === ",") {
      fields.push(field);
      field = "";
      i++;
      continue;
    }
    if (c === "\r" || c === "\n") {
      endRecord();
      i += c === "\r" && text[i + 1] === "\n" ? 2 : 1;
      line++;
      recordLine = line;
      continue;
    }
    field += c;
    i++;
  }
  // the last record, unless the text ended with a line break
  if (started) endRecord();
  return records;
}
