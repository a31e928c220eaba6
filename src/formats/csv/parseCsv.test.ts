import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../errors.js";
import { parseCsv } from "./parseCsv.js";

const parse = (text: string) => parseCsv({ text, file: "t.csv" });
const fields = (text: string) => parse(text).map((r) => r.fields);

describe("parseCsv", () => {
  it("splits plain records on LF and CRLF, with or without a final line break", () => {
    expect(fields("a,b\nc,d\n")).toEqual([["a", "b"], ["c", "d"]]);
    expect(fields("a,b\r\nc,d")).toEqual([["a", "b"], ["c", "d"]]);
    expect(fields(",x,\n")).toEqual([["", "x", ""]]);
    // mixed in one file, and a lone CR, as Python's csv module reads them
    expect(parse("a,b\r\nc,d\ne,f\rg\n").map((r) => [r.fields, r.line])).toEqual([
      [["a", "b"], 1],
      [["c", "d"], 2],
      [["e", "f"], 3],
      [["g"], 4],
    ]);
  });

  it("reads quoted fields with commas, line breaks and doubled quotes, and reports where records start", () => {
    const records = parse('0,"a, b","line1\nline2","say ""hi"""\n1,"",z\n');
    expect(records.map((r) => r.fields)).toEqual([
      ["0", "a, b", "line1\nline2", 'say "hi"'],
      ["1", "", "z"],
    ]);
    expect(records.map((r) => r.line)).toEqual([1, 3]);
  });

  it("keeps a lone empty quoted field at the end of the text and strips a BOM", () => {
    expect(fields('\ufeffQ\n""')).toEqual([["Q"], [""]]);
  });

  it("rejects malformed quoting naming the file and the line", () => {
    expect(() => parse('a,b\nc,d"e\n')).toThrow(/t\.csv: line 2: quote inside an unquoted field/);
    // where the quote opened, not where the file ends
    expect(() => parse('a\n"open,\nmore\nand more\n')).toThrow(/t\.csv: line 2: quoted field is never closed/);
    expect(() => parse('"x"y,z\n')).toThrow(/t\.csv: line 1: unexpected "y" after a closing quote/);
    expect(() => parse('"x"y')).toThrow(InvalidInputError);
  });

  it("parses every CMMLU-like row shape the same way Python's csv module would", () => {
    // Python: list(csv.reader(io.StringIO(text)))
    const text = '0,"题目，含逗号",A,"B ""引号""",C,"D\n换行",A\r\n';
    expect(fields(text)).toEqual([["0", "题目，含逗号", "A", 'B "引号"', "C", "D\n换行", "A"]]);
  });
});
