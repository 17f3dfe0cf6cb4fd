import * as path from "path";

export const INTEGRATION_DIR = path.resolve(__dirname, "..", "..", ".tmp", "integration");
export const OUT_DIR = path.join(INTEGRATION_DIR, "out");
export const RESULTS_FILE = path.join(INTEGRATION_DIR, "results.json");
