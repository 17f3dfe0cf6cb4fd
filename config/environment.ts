import { ParsedEnvironment } from "./schema/environment";
import type { CloudState } from "./schema/state";
import { CLOUDFRONT_ORIGIN_FACING_PREFIX_LISTS } from "./schema/aws-catalog";
import { DatabaseConfig, secondaryNetworkInput } from "./schema/database";
import { planSubnets, SubnetPlan } from "./subnet-plan";

export type Tier = ParsedEnvironment["tier"];

export type ResolvedState = { backend: "s3"; bucket: string; region: string; kmsKeyAlias: string } | CloudState;

/**
 * Disaster recovery as the data stack builds it: the recovery region of either mode, and a global database's secondary
 * VPC planned into subnets. `region` reads as undefined when there is none, so callers may ask any mode for it.
 */
export type DisasterRecoveryConfig =
  | { readonly mode: "none"; readonly region?: undefined; readonly retainRecoveryPoints?: RetainedRecoveryPoints }
  | { readonly mode: "backup-copy"; readonly region: string; readonly copyRetentionDays: number; readonly schedule: string }
  | {
      readonly mode: "global-database";
      readonly region: string;
      readonly cidr: string;
      readonly subnetPlan: SubnetPlan;
      readonly secondaryInstances: number;
      readonly retainRecoveryPoints?: RetainedRecoveryPoints;
    };

/** The vaults (and recovery-region key) of an earlier backup-copy mode, kept after a switch away from it. */
export interface RetainedRecoveryPoints {
  /** The region of the recovery vault. */
  readonly region: string;
}

/** A validated environment with every default and derived value filled in: what stacks and constructs consume. */
export interface EnvironmentConfig extends Omit<ParsedEnvironment, "state" | "network" | "database"> {
  /** The environment's name: its file name without `.yaml`. */
  readonly name: string;
  /** The file it was read from. */
  readonly file: string;
  readonly isProduction: boolean;
  /** `<project>-<environment>`: the prefix of every resource name. */
  readonly prefix: string;
  /** The AWS partition of the region (aws, aws-cn, aws-us-gov). */
  readonly partition: string;
  readonly state: ResolvedState;
  readonly network: ParsedEnvironment["network"] & { readonly subnetPlan: SubnetPlan };
  readonly database: Omit<DatabaseConfig, "disasterRecovery" | "applyImmediately"> & {
    readonly disasterRecovery: DisasterRecoveryConfig;
    /** Changes that need a restart apply at once (true) or in the maintenance window (false, a production tier's default). */
    readonly applyImmediately: boolean;
  };
}

/** The host name users reach the application at: `<appSubdomain>.<domainName>`, or the apex. */
export function applicationHost(edge: { readonly domainName: string; readonly appSubdomain?: string }): string {
  return edge.appSubdomain ? `${edge.appSubdomain}.${edge.domainName}` : edge.domainName;
}

export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** Name of the KMS alias of a state bucket's key; the bootstrap stack creates it and the S3 backends use it. */
export function stateKeyAliasName(bucket: string): string {
  return `alias/${bucket.replace(/\./g, "-")}`;
}

function resolveS3State(bucket: string, region: string): ResolvedState {
  return { backend: "s3", bucket, region, kmsKeyAlias: stateKeyAliasName(bucket) };
}

export function resolveEnvironment(name: string, file: string, parsed: ParsedEnvironment): EnvironmentConfig {
  const { plan } = planSubnets(parsed.network);
  if (!plan) {
    throw new Error(`resolveEnvironment called with an unvalidated network for ${file}`);
  }
  const state: ResolvedState =
    parsed.state.backend === "s3"
      ? resolveS3State(parsed.state.bucket ?? `${parsed.project}-tfstate-${parsed.account.id}`, parsed.state.region ?? parsed.account.region)
      : { ...parsed.state };
  return {
    ...parsed,
    name,
    file,
    isProduction: parsed.tier === "production",
    prefix: `${parsed.project}-${name}`,
    partition: partitionOf(parsed.account.region),
    state,
    network: { ...parsed.network, subnetPlan: plan },
    database: {
      ...parsed.database,
      applyImmediately: parsed.database.applyImmediately ?? parsed.tier !== "production",
      disasterRecovery: resolveDisasterRecovery(file, parsed.database.disasterRecovery),
    },
    edge: parsed.edge && {
      ...parsed.edge,
      loadBalancer: {
        ...parsed.edge.loadBalancer,
        // Validation guarantees one of the two: the config's id, or the one AWS publishes for the region.
        cloudFrontPrefixListId: parsed.edge.loadBalancer.cloudFrontPrefixListId ?? CLOUDFRONT_ORIGIN_FACING_PREFIX_LISTS[parsed.account.region],
      },
    },
  };
}

/** The validated disaster recovery section with its region required and a global database's secondary VPC planned. */
function resolveDisasterRecovery(file: string, dr: DatabaseConfig["disasterRecovery"]): DisasterRecoveryConfig {
  const unvalidated = () => new Error(`resolveEnvironment called with an unvalidated database.disasterRecovery for ${file}`);
  switch (dr.mode) {
    case "none":
      return { mode: "none", ...(dr.retainRecoveryPoints ? { retainRecoveryPoints: dr.retainRecoveryPoints } : {}) };
    case "backup-copy":
      if (dr.region === undefined) throw unvalidated();
      return { mode: dr.mode, region: dr.region, copyRetentionDays: dr.copyRetentionDays, schedule: dr.schedule };
    case "global-database": {
      if (dr.region === undefined || dr.cidr === undefined || dr.availabilityZones === undefined) throw unvalidated();
      const { plan } = planSubnets(secondaryNetworkInput(dr.cidr, dr.availabilityZones));
      if (!plan) throw unvalidated();
      return {
        mode: dr.mode,
        region: dr.region,
        cidr: dr.cidr,
        subnetPlan: plan,
        secondaryInstances: dr.secondaryInstances,
        ...(dr.retainRecoveryPoints ? { retainRecoveryPoints: dr.retainRecoveryPoints } : {}),
      };
    }
  }
}
