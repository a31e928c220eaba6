import { describe, expect, it } from "vitest";
import { markdownToHtml } from "./markdownToHtml.js";

describe("markdownToHtml", () => {
  it("pipe tables become tables, `---:` columns right-aligned", () => {
    const html = markdownToHtml("| phase | GPU0 |\n|---|---:|\n| model loaded | 6,033 / 6,033 |\n");
    expect(html).toBe(
      '<table>\n<thead><tr><th>phase</th><th class="num">GPU0</th></tr></thead>\n<tbody>\n<tr><td>model loaded</td><td class="num">6,033 / 6,033</td></tr>\n</tbody>\n</table>',
    );
  });

  it("headings, quotes, paragraphs and code spans, with text escaped", () => {
    expect(markdownToHtml("# a <b>\n\nrun `x < y` & go\n> warning: w\n## s")).toBe(
      "<h1>a &lt;b&gt;</h1>\n<p>run <code>x &lt; y</code> &amp; go</p>\n<blockquote>warning: w</blockquote>\n<h2>s</h2>",
    );
    expect(markdownToHtml("a `b` c ` d")).toBe("<p>a <code>b</code> c ` d</p>");
  });
});
