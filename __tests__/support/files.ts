import * as fs from "fs";
import * as path from "path";

/** Every file below `dir` (absolute paths, folders walked depth-first in the order the file system lists them). */
export function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(file) : [file];
  });
}
