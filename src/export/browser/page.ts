/**
 * @file The exported page's `index.html`: the run's title (the model and the file it came from,
 * written through `htmlText`), a place for the "no WebGPU" message (filled by the bundled module,
 * and by a plain inline check that needs no module support), the status, the progress bar and
 * line, the buttons, the chart and the run's lines. No user text goes into the script.
 */
import { htmlText } from "../program/text.js";
import type { ExportedProgram } from "../program/program.js";
import { NO_WEBGPU } from "./app.js";

const STYLE = `
  body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 760px; padding: 0 1rem; color: #1d2330; }
  h1 { font-size: 1.4rem; margin: 0; }
  .sub, #status { color: #5a6372; margin: 0.2rem 0 1rem; }
  .notice { border: 1px solid #e0a040; background: #fff6e5; padding: 0.8rem 1rem; border-radius: 6px; }
  #error { border-color: #d05050; background: #fdeeee; }
  .bar { height: 10px; background: #e6e9ef; border-radius: 5px; overflow: hidden; }
  #fill { height: 100%; width: 0; background: #2f6fdf; transition: width 0.1s; }
  #progress-text { font: 13px ui-monospace, monospace; white-space: pre; min-height: 1.2em; margin: 0.4rem 0; overflow: hidden; }
  button { font: inherit; padding: 0.3rem 0.9rem; margin-right: 0.5rem; }
  #chart { margin: 1rem 0; }
  #chart svg { max-width: 100%; height: auto; }
  #chart .frame { fill: none; stroke: #c5cad3; }
  #chart .title { font-weight: 600; font-size: 13px; }
  #chart .axis, #chart .legend { font-size: 11px; fill: #5a6372; }
  #log { font: 13px ui-monospace, monospace; background: #f5f6f8; padding: 0.6rem; white-space: pre-wrap; }
`;

/** The page's HTML. */
export function indexHtml(program: ExportedProgram): string {
  const model = htmlText(program.settings.model);
  const commit = program.grove.commit ? ` (commit ${htmlText(program.grove.commit)})` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Training ${model} with Grove</title>
<style>${STYLE}</style>
</head>
<body data-state="loading">
<h1>Training ${model}</h1>
<p class="sub">from ${htmlText(program.sourceFile)}, exported by Grove ${htmlText(program.grove.version)}${commit}; on this browser's GPU with WebGPU</p>
<p id="no-webgpu" class="notice" hidden></p>
<p id="error" class="notice" hidden></p>
<noscript><p class="notice">This page trains with JavaScript and WebGPU: turn JavaScript on.</p></noscript>
<section id="run">
<p id="status">loading</p>
<div class="bar"><div id="fill"></div></div>
<p id="progress-text"></p>
<p><button id="pause" disabled>Pause</button><button id="download" disabled>Download checkpoint</button></p>
<div id="chart"></div>
<pre id="log"></pre>
</section>
<script>
  if (!("gpu" in navigator)) {
    var box = document.getElementById("no-webgpu");
    box.textContent = ${JSON.stringify(NO_WEBGPU)};
    box.hidden = false;
    document.getElementById("run").hidden = true;
  }
</script>
<script type="module" src="grove-app.js"></script>
</body>
</html>
`;
}
