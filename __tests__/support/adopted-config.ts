import * as fs from "fs";
import * as path from "path";

/**
 * What a new user does in the first hour: rename the project, the account and the region, and add an environment.
 * The shipped-environment tests must pass on this copy without being edited (`npm run test:adopt`).
 */
export const ADOPTION = {
  project: { from: "webapp", to: "shopfront" },
  account: { from: "111122223333", to: "444455556666" },
  region: { from: "eu-west-1", to: "us-east-2" },
  /** The prod disaster-recovery region moves with the primary region. */
  drRegion: { from: "eu-central-1", to: "us-west-2" },
  added: { name: "qa", copyOf: "staging", cidr: "10.40.0.0/16", hostedZoneId: "Z0QA00000000000000001" },
} as const;

/** Writes the shipped `config/` folder into `target`, renamed and with the added environment; returns `target`. */
export function writeAdoptedConfig(source: string, target: string): string {
  fs.mkdirSync(target, { recursive: true });
  const rename = (text: string) =>
    [ADOPTION.project, ADOPTION.account, ADOPTION.region, ADOPTION.drRegion].reduce((result, { from, to }) => result.split(from).join(to), text);
  for (const entry of fs.readdirSync(source)) {
    const file = path.join(source, entry);
    if (!fs.statSync(file).isFile()) continue;
    const text = fs.readFileSync(file, "utf8");
    fs.writeFileSync(path.join(target, entry), entry.endsWith(".yaml") ? rename(text) : text);
  }
  const { name, copyOf, cidr, hostedZoneId } = ADOPTION.added;
  const template = fs.readFileSync(path.join(target, `${copyOf}.yaml`), "utf8");
  const original = fs.readFileSync(path.join(source, `${copyOf}.yaml`), "utf8");
  const templateCidr = /^\s+cidr:\s*(\S+)/m.exec(original)?.[1];
  const templateZone = /hostedZoneId:\s*(\S+)/.exec(original)?.[1];
  if (!templateCidr || !templateZone) throw new Error(`${copyOf}.yaml has no network.cidr or edge.hostedZoneId to replace`);
  const added = template
    .split(templateCidr)
    .join(cidr)
    .split(templateZone)
    .join(hostedZoneId)
    .split(copyOf)
    .join(name)
    // the tier keeps the copied environment's value: "qa" is an environment name, not a tier
    .replace(/^tier: .*$/m, (/^tier: .*$/m.exec(template) ?? ["tier: staging"])[0]);
  fs.writeFileSync(path.join(target, `${name}.yaml`), added);
  return target;
}
