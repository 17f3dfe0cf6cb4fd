import * as fs from "fs";
import * as path from "path";
import { Document, isMap, parseDocument } from "yaml";

/**
 * What adopters change, in several scenarios: the config-dependent suites must pass on each without being edited
 * (`npm run test:adopt`). Each scenario starts from the shipped `config/` folder: text renames first (every occurrence,
 * comments included, as a search-and-replace by a new user would), then edits of single files' documents.
 */
export interface AdoptionScenario {
  readonly name: string;
  /** One line saying what the scenario changes, printed by `npm run test:adopt`. */
  readonly summary: string;
  /** Replaced everywhere in every environment file, in this order. */
  readonly renames: readonly { readonly from: string; readonly to: string }[];
  /** An environment added as a copy of another, with its own network and zone. */
  readonly added?: { readonly name: string; readonly copyOf: string; readonly cidr: string; readonly hostedZoneId: string };
  /** Changes to one environment's document after the renames (environment name → edit). */
  readonly edits?: Readonly<Record<string, (document: Document) => void>>;
}

const SHIPPED = {
  project: "webapp",
  /** The shipped environments' accounts (one per environment). */
  accounts: ["111122223333", "222233334444", "333344445555"],
  region: "eu-west-1",
  drRegion: "eu-central-1",
  owner: "acme",
  domain: "example.com",
};

/** Removes a key of the document (`["edge"]`, `["platform", "vault"]`) when it is there. */
const remove = (document: Document, keyPath: readonly string[]) => {
  if (document.hasIn(keyPath)) document.deleteIn(keyPath);
};

export const SCENARIOS: readonly AdoptionScenario[] = [
  {
    name: "renamed",
    summary: "project and region renamed (us-east-2, recovery in us-west-2), every environment in one account, a qa environment added",
    renames: [
      { from: SHIPPED.project, to: "shopfront" },
      ...SHIPPED.accounts.map((account) => ({ from: account, to: "444455556666" })),
      { from: SHIPPED.region, to: "us-east-2" },
      // The prod disaster-recovery region moves with the primary region.
      { from: SHIPPED.drRegion, to: "us-west-2" },
    ],
    added: { name: "qa", copyOf: "staging", cidr: "10.40.0.0/16", hostedZoneId: "Z0QA00000000000000001" },
  },
  {
    name: "own-organisation",
    summary:
      "own project, GitHub owner, domains and alarm contacts; own accounts, one per environment; a region the price table lacks (ap-southeast-2, recovery in ap-southeast-1)",
    renames: [
      { from: SHIPPED.project, to: "ledger" },
      { from: `github.com/${SHIPPED.owner}/`, to: "github.com/northwind-labs/" },
      { from: `repository: ${SHIPPED.owner}/`, to: "repository: northwind-labs/" },
      { from: "platform-oncall@example.com", to: "sre-pager@northwind.example.org" },
      { from: "platform-staging@example.com", to: "sre-staging@northwind.example.org" },
      { from: "platform-team@example.com", to: "certificates@northwind.example.org" },
      { from: SHIPPED.domain, to: "northwind.example.org" },
      { from: SHIPPED.region, to: "ap-southeast-2" },
      { from: SHIPPED.drRegion, to: "ap-southeast-1" },
      ...SHIPPED.accounts.map((account, index) => ({ from: account, to: `21000000000${index + 1}` })),
    ],
  },
  {
    name: "lean",
    summary: "staging on Terraform Cloud, dev without edge, optional add-ons off (dev Vault and cert-manager, prod Elasticsearch)",
    renames: [{ from: SHIPPED.project, to: "tinyshop" }],
    edits: {
      staging: (document) => {
        document.set("state", document.createNode({ backend: "cloud", organization: "tinyshop", workspacePrefix: "tinyshop-" }));
        // With Terraform Cloud there is no bootstrap stack to create the service-linked role.
        if (document.hasIn(["account", "autoScalingServiceLinkedRole"])) document.setIn(["account", "autoScalingServiceLinkedRole"], "existing");
        remove(document, ["github"]);
      },
      dev: (document) => {
        remove(document, ["edge"]);
        remove(document, ["github"]);
        document.setIn(["platform", "vault", "enabled"], false);
        for (const key of ["replicas", "auditStorageSize"]) remove(document, ["platform", "vault", key]);
        document.setIn(["platform", "certManager"], document.createNode({ enabled: false }));
      },
      prod: (document) => {
        const search = document.getIn(["platform", "elasticsearch"]);
        if (isMap(search)) document.setIn(["platform", "elasticsearch"], document.createNode({ enabled: false }));
      },
    },
  },
];

/** The scenario of this name; throws naming the known ones. */
export function scenario(name: string): AdoptionScenario {
  const found = SCENARIOS.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no adoption scenario "${name}"; known: ${SCENARIOS.map((candidate) => candidate.name).join(", ")}`);
  return found;
}

const replaceAll = (text: string, renames: readonly { from: string; to: string }[]) =>
  renames.reduce((result, { from, to }) => result.split(from).join(to), text);

/** Writes the shipped `config/` folder into `target` as the scenario changes it; returns `target`. */
export function writeAdoptedConfig(source: string, target: string, adoption: AdoptionScenario): string {
  fs.mkdirSync(target, { recursive: true });
  for (const entry of fs.readdirSync(source)) {
    const file = path.join(source, entry);
    if (!fs.statSync(file).isFile()) continue;
    const text = fs.readFileSync(file, "utf8");
    fs.writeFileSync(path.join(target, entry), entry.endsWith(".yaml") ? replaceAll(text, adoption.renames) : text);
  }
  if (adoption.added) writeAddedEnvironment(source, target, adoption.added);
  for (const [name, edit] of Object.entries(adoption.edits ?? {})) {
    const file = path.join(target, `${name}.yaml`);
    const document = parseDocument(fs.readFileSync(file, "utf8"));
    edit(document);
    fs.writeFileSync(file, document.toString());
  }
  return target;
}

function writeAddedEnvironment(source: string, target: string, added: NonNullable<AdoptionScenario["added"]>): void {
  const { name, copyOf, cidr, hostedZoneId } = added;
  const template = fs.readFileSync(path.join(target, `${copyOf}.yaml`), "utf8");
  const original = fs.readFileSync(path.join(source, `${copyOf}.yaml`), "utf8");
  const templateCidr = /^\s+cidr:\s*(\S+)/m.exec(original)?.[1];
  const templateZone = /hostedZoneId:\s*(\S+)/.exec(original)?.[1];
  if (!templateCidr || !templateZone) throw new Error(`${copyOf}.yaml has no network.cidr or edge.hostedZoneId to replace`);
  const text = template
    .split(templateCidr)
    .join(cidr)
    .split(templateZone)
    .join(hostedZoneId)
    .split(copyOf)
    .join(name)
    // the tier keeps the copied environment's value: "qa" is an environment name, not a tier
    .replace(/^tier: .*$/m, (/^tier: .*$/m.exec(template) ?? ["tier: staging"])[0]);
  fs.writeFileSync(path.join(target, `${name}.yaml`), text);
}
