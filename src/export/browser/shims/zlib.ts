/**
 * @file `node:zlib` in an exported page: a browser decompresses asynchronously
 * (`DecompressionStream`), so the page gunzips compressed IDX files as it fetches them, before the
 * readers see them; a compressed file reaching the reader is a mistake.
 */
import { InternalError } from "../../../diag/diagnostic.js";
export function gunzipSync(): never {
  throw new InternalError("the page decompresses gzip files as it fetches them");
}
