import { escapeHtml } from "./escapeHtml.js";

/**
 * The frame of a report page (eval.html, vram.html): one self-contained file, no script and no external
 * asset, so it opens from a build directory or an e-mail attachment as it is. The style keeps everything
 * within the window: charts scale with the page's width; table cells wrap between words when the columns
 * do not fit (eight GPUs' "steady / peak" columns go onto two lines), and a paragraph's long path or
 * command breaks anywhere rather than pushing the page sideways.
 */
export function renderReportPage(params: { title: string; body: string }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(params.title)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1100px;margin:1.5em auto;padding:0 16px;color:#222;line-height:1.4}
h1{font-size:1.6em;margin:0 0 .4em}h2{font-size:1.25em;margin:1.4em 0 .4em}
p,blockquote{margin:.4em 0;overflow-wrap:anywhere}blockquote{border-left:3px solid #e0a000;padding-left:.6em}
code{font-size:.9em;background:#f3f3f3;padding:0 .2em}
figure{margin:1em 0}figure svg{display:block;width:100%;height:auto}figcaption{font-size:.9em;color:#555}
table{border-collapse:collapse;margin:.6em 0;font-size:14px;max-width:100%}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top;overflow-wrap:break-word}
th{background:#f3f3f3}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
</style></head>
<body>
${params.body}
</body></html>
`;
}
