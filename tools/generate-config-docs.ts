import * as fs from "fs";
import * as path from "path";
import { renderConfigReference } from "../config/reference";

const target = path.resolve(__dirname, "..", "docs", "configuration.md");
fs.mkdirSync(path.dirname(target), { recursive: true });
fs.writeFileSync(target, renderConfigReference());
process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
