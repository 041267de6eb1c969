// Lists a zip archive's entries with their sizes, compressed and not, from its central directory (fflate reads it;
// the filter declines every entry, so nothing is inflated).
import { readFileSync } from "node:fs";
import { unzipSync } from "fflate";

export interface ZipEntry {
  name: string;
  compressed: number;
  uncompressed: number;
}

export const listZip = (path: string): ZipEntry[] => {
  const entries: ZipEntry[] = [];
  unzipSync(readFileSync(path), {
    filter: ({ name, size, originalSize }) => {
      entries.push({ name, compressed: size, uncompressed: originalSize });
      return false;
    },
  });
  return entries;
};
