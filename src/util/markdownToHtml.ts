import { escapeHtml } from "./escapeHtml.js";

/**
 * The Markdown oss-prep's own reports write (eval.md, vram.md) as HTML, so that a report's page shows
 * exactly the tables of its .md file without a second renderer to keep in step. Covers what those
 * reports use and nothing more: `#`/`##`/`###` headings, pipe tables (a `---:` column is right-aligned
 * and kept on one line, for numbers), `> ` quotes, `inline code`, and one paragraph per line.
 */
export function markdownToHtml(markdown: string): string {
  const out: string[] = [];
  let table: string[][] = [];
  const flushTable = () => {
    if (table.length > 0) out.push(renderTable(table));
    table = [];
  };
  for (const line of markdown.split("\n")) {
    if (line.startsWith("|")) {
      table.push(splitRow(line));
      continue;
    }
    flushTable();
    const heading = /^(#{1,3}) (.*)$/.exec(line);
    if (heading) out.push(`<h${heading[1].length}>${inline(heading[2])}</h${heading[1].length}>`);
    else if (line.startsWith("> ")) out.push(`<blockquote>${inline(line.slice(2))}</blockquote>`);
    else if (line.trim() !== "") out.push(`<p>${inline(line)}</p>`);
  }
  flushTable();
  return out.join("\n");
}

function splitRow(line: string): string[] {
  const body = line.trim().replace(/^\|/, "").replace(/\|$/, "");
  return body.split("|").map((cell) => cell.trim());
}

function renderTable(rows: string[][]): string {
  const [head, alignRow, ...body] = rows;
  const isAlignRow = alignRow?.every((c) => /^:?-{3,}:?$/.test(c)) ?? false;
  const right = head.map((_, i) => isAlignRow && /-:$/.test(alignRow[i] ?? ""));
  const cell = (tag: "th" | "td", text: string, i: number) => `<${tag}${right[i] ? ' class="num"' : ""}>${inline(text)}</${tag}>`;
  const bodyRows = isAlignRow ? body : rows.slice(1);
  return (
    `<table>\n<thead><tr>${head.map((c, i) => cell("th", c, i)).join("")}</tr></thead>\n<tbody>\n` +
    bodyRows.map((r) => `<tr>${r.map((c, i) => cell("td", c, i)).join("")}</tr>`).join("\n") +
    "\n</tbody>\n</table>"
  );
}

/** `code` spans; everything else is text (a backtick without its pair stays a backtick). */
function inline(text: string): string {
  const parts = text.split("`");
  const unpaired = parts.length % 2 === 0 ? `\`${parts.pop()}` : "";
  return parts.map((part, i) => (i % 2 === 1 ? `<code>${escapeHtml(part)}</code>` : escapeHtml(part))).join("") + escapeHtml(unpaired);
}
