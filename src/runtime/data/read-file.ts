/**
 * @file What every data reader shares: `DataError`, a problem with the user's data file whose
 * message is one line for the user, and `readDataFile`, which reads a file's bytes or says in one
 * line why it cannot.
 */
import { UserError } from "../../diag/diagnostic.js";
import { readFileSync } from "node:fs";

/** A problem with the user's data file; the message is for the user. */
export class DataError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = "DataError";
  }
}

/** Why a file cannot be read, from the error's `code`. */
const READ_FAILURES: ReadonlyMap<string, string> = new Map([
  ["ENOENT", "no such file"],
  ["EISDIR", "it is a directory"],
  ["EACCES", "permission denied"],
]);

/** The bytes of a data file; a file that cannot be read is a `DataError` naming it. */
export function readDataFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code ?? "";
    const why = READ_FAILURES.get(code) ?? (e as Error).message.split("\n")[0];
    throw new DataError(`cannot read ${path}: ${why}`);
  }
}
