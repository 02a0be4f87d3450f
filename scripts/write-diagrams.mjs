// Regenerates grammar/diagrams.html from the built parser (run `npm run build` first).
import { writeFileSync } from "node:fs";
import { syntaxDiagramsHtml } from "../dist/parser/diagrams.js";

writeFileSync(new URL("../grammar/diagrams.html", import.meta.url), syntaxDiagramsHtml());
console.log("wrote grammar/diagrams.html");
