import * as fs from "fs";
import * as path from "path";
import { renderJsonSchema } from "../config/json-schema";

const target = path.resolve(__dirname, "..", "config", "schema.json");
fs.writeFileSync(target, renderJsonSchema());
process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
