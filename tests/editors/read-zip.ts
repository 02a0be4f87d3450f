/**
 * @file A small zip reader for the tests: the central directory's entries by name, each with its
 * bytes (stored or deflated). Enough for a .vsix; no zip64, no encryption.
 */
import { inflateRawSync } from "node:zlib";

const endOfDirectorySignature = 0x06054b50;
const directoryEntrySignature = 0x02014b50;
const localHeaderSignature = 0x04034b50;

/** The end-of-central-directory record: the last signature within its 64 KiB comment window. */
function findEndOfDirectory(zip: Buffer): number {
  const lowest = Math.max(0, zip.length - 22 - 0xffff);
  for (let at = zip.length - 22; at >= lowest; at--) {
    if (zip.readUInt32LE(at) === endOfDirectorySignature) return at;
  }
  throw new Error("not a zip file: no end of central directory");
}

function entryData(zip: Buffer, localOffset: number, method: number, size: number) {
  if (zip.readUInt32LE(localOffset) !== localHeaderSignature) throw new Error("bad local header");
  const nameLength = zip.readUInt16LE(localOffset + 26);
  const extraLength = zip.readUInt16LE(localOffset + 28);
  const start = localOffset + 30 + nameLength + extraLength;
  const raw = zip.subarray(start, start + size);
  if (method === 0) return raw;
  if (method === 8) return inflateRawSync(raw);
  throw new Error(`unsupported compression method ${method}`);
}

/** Every entry of the archive, name to bytes, in central-directory order. */
export function readZip(zip: Buffer): Map<string, Buffer> {
  const end = findEndOfDirectory(zip);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== directoryEntrySignature) throw new Error("bad directory entry");
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localOffset = zip.readUInt32LE(at + 42);
    const name = zip.toString("utf8", at + 46, at + 46 + nameLength);
    const data = entryData(zip, localOffset, method, compressedSize);
    if (data.length !== size) throw new Error(`${name}: ${data.length} bytes, expected ${size}`);
    entries.set(name, data);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
