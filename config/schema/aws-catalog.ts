import { z } from "./zod";
import { closest, didYouMean } from "../suggest";
import { AURORA_CLASS_SIZES, EC2_FAMILY_SIZES, INSTANCES_AS_OF } from "./instance-types-data";

/**
 * What exists in AWS, for the values a typo would otherwise carry to `terraform apply` (plans run offline and cannot
 * ask AWS). Refresh: `aws ec2 describe-regions --all-regions`, `npm run catalog:instances` (sizes per instance family),
 * `aws rds describe-db-engine-versions --engine aurora-postgresql --query 'DBEngineVersions[].EngineVersion'`.
 */
export const AWS_REGIONS = [
  "af-south-1",
  "ap-east-1",
  "ap-east-2",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-south-1",
  "ap-south-2",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ap-southeast-4",
  "ap-southeast-5",
  "ap-southeast-6",
  "ap-southeast-7",
  "ca-central-1",
  "ca-west-1",
  "cn-north-1",
  "cn-northwest-1",
  "eu-central-1",
  "eu-central-2",
  "eu-north-1",
  "eu-south-1",
  "eu-south-2",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "il-central-1",
  "me-central-1",
  "me-south-1",
  "mx-central-1",
  "sa-east-1",
  "us-east-1",
  "us-east-2",
  "us-gov-east-1",
  "us-gov-west-1",
  "us-west-1",
  "us-west-2",
] as const;

/** EC2 families a node group may use (current and previous generations that EKS AMIs support), from the dated catalog. */
const INSTANCE_FAMILIES = Object.keys(EC2_FAMILY_SIZES);

/** Where the sizes come from, for the end of a message: the catalog's date and how to refresh it. */
const INSTANCE_CATALOG = `instance catalog as of ${INSTANCES_AS_OF}; npm run catalog:instances refreshes it`;

/** Aurora PostgreSQL engine versions (major.minor) AWS offers; Aurora skips some community minors (no 16.5, 16.7). */
export const AURORA_POSTGRES_VERSIONS = [
  "13.12",
  "13.13",
  "13.14",
  "13.15",
  "13.16",
  "13.18",
  "13.20",
  "13.21",
  "14.9",
  "14.10",
  "14.11",
  "14.12",
  "14.13",
  "14.15",
  "14.17",
  "14.18",
  "15.4",
  "15.5",
  "15.6",
  "15.7",
  "15.8",
  "15.10",
  "15.12",
  "15.13",
  "16.1",
  "16.2",
  "16.3",
  "16.4",
  "16.6",
  "16.8",
  "16.9",
  "17.4",
  "17.5",
] as const;

/** One custom issue saying the value does not exist, with the closest real one. */
function unknown(ctx: z.RefinementCtx, value: string, what: string, candidates: readonly string[], allowed?: string): void {
  ctx.addIssue({ code: "custom", message: `"${value}" is not ${what}${didYouMean(value, candidates)}${allowed ? `; ${allowed}` : ""}` });
}

export const knownRegion = (value: string, ctx: z.RefinementCtx): void => {
  if (!(AWS_REGIONS as readonly string[]).includes(value)) unknown(ctx, value, "an AWS region", AWS_REGIONS, "e.g. eu-west-1 or us-east-2");
};

/** A size its family does not have, in one message: the closest real size first, then every size the family has. */
function unknownSize(ctx: z.RefinementCtx, value: string, what: string, prefix: string, family: string, size: string, sizes: readonly string[]): void {
  unknown(
    ctx,
    value,
    `${what}: ${prefix}${family} has no size "${size}"`,
    sizes.map((candidate) => `${prefix}${family}.${candidate}`),
    `${prefix}${family} has ${sizes.join(", ")} (${INSTANCE_CATALOG})`,
  );
}

export const knownInstanceType = (value: string, ctx: z.RefinementCtx): void => {
  const [family = "", size = ""] = value.split(".");
  const sizes = EC2_FAMILY_SIZES[family];
  if (sizes === undefined) {
    const suggestion = closest(family, INSTANCE_FAMILIES);
    unknown(ctx, value, "an EC2 instance type: unknown family", suggestion ? [`${suggestion}.${size}`] : []);
  } else if (!sizes.includes(size)) {
    unknownSize(ctx, value, "an EC2 instance type", "", family, size, sizes);
  }
};

/** Aurora PostgreSQL instance classes: `db.serverless`, or `db.<family>.<size>` of the dated catalog. */
export const knownAuroraInstanceClass = (value: string, ctx: z.RefinementCtx): void => {
  if (value === "db.serverless") return;
  const [, family = "", size = ""] = value.split(".");
  const sizes = AURORA_CLASS_SIZES[family];
  if (sizes === undefined) {
    const families = Object.keys(AURORA_CLASS_SIZES);
    const suggestion = closest(family, families);
    unknown(
      ctx,
      value,
      "an Aurora PostgreSQL instance class: unknown family",
      suggestion ? [`db.${suggestion}.${size}`] : [],
      `classes: db.serverless, ${families.map((candidate) => `db.${candidate}`).join(", ")} (${INSTANCE_CATALOG})`,
    );
  } else if (!sizes.includes(size)) {
    unknownSize(ctx, value, "an Aurora PostgreSQL instance class", "db.", family, size, sizes);
  }
};

export const knownAuroraVersion = (value: string, ctx: z.RefinementCtx): void => {
  if ((AURORA_POSTGRES_VERSIONS as readonly string[]).includes(value)) return;
  // A missing minor compares with nothing, so it gets no neighbours, only the list.
  const [major, minor = Number.NaN] = value.split(".").map(Number);
  const sameMajor = AURORA_POSTGRES_VERSIONS.filter((version) => Number(version.split(".")[0]) === major);
  if (sameMajor.length === 0) {
    const majors = [...new Set(AURORA_POSTGRES_VERSIONS.map((version) => version.split(".")[0]))];
    ctx.addIssue({
      code: "custom",
      message: `"${value}" is not an Aurora PostgreSQL engine version: Aurora has no major ${major}; majors: ${majors.join(", ")}`,
    });
    return;
  }
  // The nearest releases below and above: Aurora skips some community minors, so the neighbours are what was meant.
  const minors = sameMajor.map((version) => Number(version.split(".")[1]));
  const below = minors.filter((candidate) => candidate < minor).pop();
  const above = minors.find((candidate) => candidate > minor);
  const neighbours = [below, above].filter((candidate) => candidate !== undefined).map((candidate) => `"${major}.${candidate}"`);
  ctx.addIssue({
    code: "custom",
    message: `"${value}" is not an Aurora PostgreSQL engine version (did you mean ${neighbours.join(" or ")}?); ${major}.x versions: ${sameMajor.join(", ")}`,
  });
};

/**
 * The AWS-managed prefix list `com.amazonaws.global.cloudfront.origin-facing` of each region: the addresses CloudFront
 * reaches origins from (VPC origins included). AWS publishes one id per region and never changes it; refresh with
 * `aws ec2 describe-managed-prefix-lists --region <region> --filters Name=prefix-list-name,Values=com.amazonaws.global.cloudfront.origin-facing`.
 */
export const CLOUDFRONT_ORIGIN_FACING_PREFIX_LISTS: Readonly<Record<string, string>> = {
  "ap-northeast-1": "pl-58a04531",
  "ap-northeast-2": "pl-22a6434b",
  "ap-south-1": "pl-9aa247f3",
  "ap-southeast-1": "pl-31a34658",
  "ap-southeast-2": "pl-b8a742d1",
  "ca-central-1": "pl-38a64351",
  "eu-central-1": "pl-a3a144ca",
  "eu-north-1": "pl-fab65393",
  "eu-west-1": "pl-4fa04526",
  "eu-west-2": "pl-93a247fa",
  "eu-west-3": "pl-75b1541c",
  "sa-east-1": "pl-5da64334",
  "us-east-1": "pl-3b927c52",
  "us-east-2": "pl-b6a144df",
  "us-west-1": "pl-4ea04527",
  "us-west-2": "pl-82a045eb",
};
