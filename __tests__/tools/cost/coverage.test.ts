import { estimate, PRICED_TYPES } from "../../../tools/cost/estimate";
import prices from "../../../tools/cost/prices.json";
import { SynthesizedStack } from "../../../tools/lib/synth-output";
import { ZONE_LETTERS } from "../../../config/schema/availability-zones-data";
import { environmentInput, testEnvironment } from "../../support/environments";
import { synthesizeApp } from "../support";

type Overrides = Parameters<typeof environmentInput>[0];

/**
 * Every resource type the stacks can create has a line item or an explicit "free" entry in the price table: the stacks
 * of environments with every optional part switched on (each add-on with AWS resources, every recovery mode, reader
 * autoscaling, edge) are synthesized and each AWS resource type in them must be priced or listed in `noCharge`.
 */
const base = environmentInput();
const region = base.account.region;
/** A recovery region the zone catalog lists, other than the environment's. */
const recoveryRegion = Object.keys(ZONE_LETTERS).find((candidate) => candidate !== region && /^(eu|us)-/.test(candidate))!;
const recoveryZones = [...(ZONE_LETTERS[recoveryRegion] ?? "")].slice(0, 2).map((letter) => `${recoveryRegion}${letter}`);

const everything: Overrides = {
  edge: { domainName: "shop.example.com", appSubdomain: "www", gitops: { repoURL: "https://github.com/acme/shop.git" } },
  platform: {
    certManager: { enabled: true, acmeEmail: "ops@shop.example.com", hostedZoneIds: ["Z0TEST000000000000001"] },
    externalDns: { enabled: true, hostedZoneIds: ["Z0TEST000000000000001"], domainFilters: ["shop.example.com"] },
    elasticsearch: { enabled: true },
    vault: { enabled: true },
    argoCd: { hostname: "argocd.shop.example.com", hostedZoneId: "Z0TEST000000000000001" },
  },
  database: {
    readerAutoscaling: { enabled: true },
    disasterRecovery: { mode: "global-database", region: recoveryRegion, cidr: "10.1.0.0/16", availabilityZones: recoveryZones },
  },
};

function synthesized(): SynthesizedStack[] {
  return synthesizeApp([
    testEnvironment({ ...everything, project: "cover" }, "cover-all"),
    testEnvironment({ project: "copy", database: { disasterRecovery: { mode: "backup-copy", region: recoveryRegion } } }, "cover-copy"),
  ]);
}

describe("every resource type the stacks create is priced or explicitly free", () => {
  const stacks = synthesized();
  const noCharge = prices.noCharge as Record<string, string>;
  const awsTypes = [
    ...new Set(
      stacks
        .filter((stack) => (stack.json.provider?.aws ?? []).length > 0)
        .flatMap((stack) => Object.keys((stack.json.resource ?? {}) as Record<string, unknown>)),
    ),
  ].sort();

  it("synthesizes the optional parts (a sanity check that the fixture switched them on)", () => {
    expect(awsTypes).toEqual(expect.arrayContaining(["aws_rds_global_cluster", "aws_backup_vault", "aws_cloudfront_distribution", "helm_release"]));
  });

  it("has a pricer or a noCharge entry with its reason for each type", () => {
    const neither = awsTypes.filter((type) => !PRICED_TYPES.includes(type) && !noCharge[type]);
    expect(neither).toEqual([]);
    for (const type of awsTypes.filter((each) => noCharge[each] !== undefined)) expect(noCharge[type]).not.toBe("");
  });

  it("so the estimate lists no unknown type for them", () => {
    expect(estimate(stacks).unknown).toEqual([]);
  });
});
