/**
 * @file `formatGrove(text, file)`: a Grove file through the Prettier plugin, with the project's
 * Prettier options for `file` (`.prettierrc`: the print width). A file with syntax errors is
 * refused with its diagnostics; the output is checked to hold the same tokens as the input, so a
 * spacing rule that joined two tokens into one would be a compiler bug, never a changed program.
 */
import { InternalError } from "../diag/diagnostic.js";
import * as prettier from "prettier";
import { itemsOf } from "./layout.js";
import plugin, { syntaxErrors } from "./plugin.js";

export type FormatResult =
  { readonly ok: true; readonly text: string } | { readonly ok: false; readonly errors: string };

/** Prettier options that apply to `file` (from its `.prettierrc`), or none. */
async function optionsFor(file: string): Promise<prettier.Options> {
  try {
    return (await prettier.resolveConfig(file)) ?? {};
  } catch {
    return {};
  }
}

/** `text` formatted, or the rendered syntax errors that stop it. */
export async function formatGrove(
  text: string,
  file: string,
  overrides: prettier.Options = {},
): Promise<FormatResult> {
  const errors = syntaxErrors(text, file);
  if (errors !== undefined) return { ok: false, errors };
  const options = { ...(await optionsFor(file)), ...overrides };
  const out = await prettier.format(text, {
    ...options,
    filepath: file,
    parser: "grove",
    plugins: [plugin],
  });
  checkSameTokens(text, out, file);
  return { ok: true, text: out };
}

function checkSameTokens(before: string, after: string, file: string): void {
  const a = itemsOf(before).map((i) => i.image);
  const b = itemsOf(after).map((i) => i.image.replace(/\s+$/gm, ""));
  const same = a.length === b.length && a.every((x, k) => x.replace(/\s+$/gm, "") === b[k]);
  if (!same) throw new InternalError(`grove fmt changed the tokens of ${file} (a formatter bug)`);
}
