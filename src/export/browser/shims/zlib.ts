/**
 * @file `node:zlib` in an exported page: a browser decompresses asynchronously
 * (`DecompressionStream`), so the page gunzips compressed IDX files as it fetches them, before the
 * readers see them; a compressed file reaching the reader is a mistake.
 */
export function gunzipSync(): never {
  throw new Error("the page decompresses gzip files as it fetches them");
}
