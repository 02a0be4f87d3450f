import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { syntaxDiagramsHtml } from "../../src/parser/diagrams.js";

describe("grammar/diagrams.html", () => {
  it("matches the parser (regenerate with `npm run grammar`)", () => {
    const committed = readFileSync(new URL("../../grammar/diagrams.html", import.meta.url), "utf8");
    expect(committed === syntaxDiagramsHtml()).toBe(true);
  });

  it("draws every grammar rule", () => {
    const html = syntaxDiagramsHtml();
    for (const rule of ["program", "blockDecl", "forwardDecl", "typeExpr", "pipeExpr", "trainDecl"])
      expect(html).toContain(`"${rule}"`);
  });
});
