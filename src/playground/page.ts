/**
 * @file The playground's `index.html`: a header with the example picker and the check's summary,
 * the editor on the left, and tabs on the right for the problems, the bindings' shapes, the IR,
 * the fused kernels and training (steps, Train / Stop, status, the live chart and the run's
 * lines). Static text only: what the page shows of programs is set as text by `app.ts`.
 */
import { NO_WEBGPU } from "../export/browser/app.js";
import { htmlText } from "../export/program/text.js";

const STYLE = `
  * { box-sizing: border-box; }
  html, body { height: 100%; margin: 0; }
  body { font: 14px/1.45 system-ui, sans-serif; color: #1d2330; display: flex; flex-direction: column; }
  header { display: flex; gap: 1rem; align-items: center; padding: 0.5rem 1rem; border-bottom: 1px solid #d8dce3; background: #f5f6f8; }
  header h1 { font-size: 1.1rem; margin: 0; }
  header a { color: #2f6fdf; }
  #summary { color: #5a6372; margin-left: auto; }
  main { flex: 1; display: flex; min-height: 0; }
  #editor { flex: 1 1 55%; min-width: 0; border-right: 1px solid #d8dce3; overflow: hidden; }
  #side { flex: 1 1 45%; min-width: 0; display: flex; flex-direction: column; }
  nav { display: flex; border-bottom: 1px solid #d8dce3; }
  nav button { font: inherit; border: 0; background: none; padding: 0.5rem 0.8rem; cursor: pointer; border-bottom: 2px solid transparent; }
  nav button.active { border-bottom-color: #2f6fdf; font-weight: 600; }
  .pane { flex: 1; overflow: auto; padding: 0.6rem 0.8rem; }
  .notice { border: 1px solid #e0a040; background: #fff6e5; padding: 0.6rem 0.8rem; border-radius: 6px; }
  #error { border-color: #d05050; background: #fdeeee; margin: 0.5rem 1rem; }
  ul#problems { list-style: none; padding: 0; margin: 0; }
  .problem { padding: 0.4rem 0.5rem; border-left: 3px solid #d05050; margin-bottom: 0.4rem; background: #fdf3f3; cursor: pointer; }
  .problem.warning { border-left-color: #e0a040; background: #fff9ee; }
  .problem code { white-space: pre-wrap; }
  .problem .related, .problem .note, .problem .help { color: #5a6372; font-size: 13px; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; }
  td, th { text-align: left; padding: 0.2rem 0.4rem; border-bottom: 1px solid #eceef2; vertical-align: top; }
  td:first-child, td:last-child { font-family: ui-monospace, monospace; }
  tr.model th { padding-top: 0.6rem; }
  pre { font: 12px/1.4 ui-monospace, monospace; margin: 0; white-space: pre; }
  ol#kernels { padding-left: 1.6rem; }
  .kernel summary { cursor: pointer; }
  .kernel .lines { font-size: 13px; color: #5a6372; margin: 0.3rem 0; }
  .kernel a.line { color: #2f6fdf; cursor: pointer; text-decoration: underline; }
  .kernel pre.wgsl { background: #f5f6f8; padding: 0.5rem; overflow: auto; max-height: 28rem; }
  #train-controls { display: flex; gap: 0.5rem; align-items: center; margin-bottom: 0.5rem; }
  #steps { width: 6rem; }
  #train-status { color: #5a6372; }
  #chart svg { max-width: 100%; height: auto; }
  #chart .frame { fill: none; stroke: #c5cad3; }
  #chart .title { font-weight: 600; font-size: 13px; }
  #chart .axis, #chart .legend { font-size: 11px; fill: #5a6372; }
  #train-log { background: #f5f6f8; padding: 0.5rem; white-space: pre-wrap; }
  #train-log:empty { display: none; }
`;

/** The page's HTML. */
export function playgroundHtml(version: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Grove playground</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Grove playground</h1>
<label>example <select id="example"></select></label>
<span id="summary">checking</span>
</header>
<p id="error" class="notice" hidden></p>
<noscript><p class="notice">The playground runs Grove's compiler in the page: turn JavaScript on.</p></noscript>
<main>
<div id="editor"></div>
<section id="side">
<nav>
<button id="tab-problems" class="active">Problems</button>
<button id="tab-shapes">Shapes</button>
<button id="tab-ir">IR</button>
<button id="tab-kernels">Kernels</button>
<button id="tab-train">Train</button>
</nav>
<div id="pane-problems" class="pane"><ul id="problems"></ul></div>
<div id="pane-shapes" class="pane" hidden><p id="shapes-empty">no model in this file</p><table><tbody id="shapes"></tbody></table></div>
<div id="pane-ir" class="pane" hidden><pre id="ir"></pre></div>
<div id="pane-kernels" class="pane" hidden><p id="kernels-summary"></p><ol id="kernels"></ol></div>
<div id="pane-train" class="pane" hidden>
<p id="no-webgpu" class="notice" hidden>${htmlText(NO_WEBGPU)}</p>
<div id="train-controls">
<label>at most <input id="steps" type="number" min="1" value="100"> steps</label>
<button id="train">Train</button><button id="stop" disabled>Stop</button>
</div>
<p id="train-status">trains the train section on this browser's GPU, on the page's built-in data</p>
<div id="chart"></div>
<pre id="train-log"></pre>
</div>
</section>
</main>
<script type="module" src="playground.js" data-grove="${htmlText(version)}"></script>
</body>
</html>
`;
}
