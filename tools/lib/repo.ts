import * as path from "path";

/** The repository's root folder, whichever tool runs and from whichever working directory. */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");
