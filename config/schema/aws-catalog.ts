import { z } from "zod";
import { closest, didYouMean } from "../suggest";

/**
 * What exists in AWS, for the values a typo would otherwise carry to `terraform apply` (plans run offline and cannot
 * ask AWS). Refresh: `aws ec2 describe-regions --all-regions`, `aws ec2 describe-instance-type-offerings`,
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

/** EC2 families a node group may use (current and previous generations that EKS AMIs support). */
const INSTANCE_FAMILIES = [
  "t3",
  "t3a",
  "t4g",
  "m5",
  "m5a",
  "m5ad",
  "m5d",
  "m5dn",
  "m5n",
  "m5zn",
  "m6a",
  "m6g",
  "m6gd",
  "m6i",
  "m6id",
  "m6idn",
  "m6in",
  "m7a",
  "m7g",
  "m7gd",
  "m7i",
  "m7i-flex",
  "m8a",
  "m8g",
  "m8gd",
  "m8i",
  "m8i-flex",
  "c5",
  "c5a",
  "c5ad",
  "c5d",
  "c5n",
  "c6a",
  "c6g",
  "c6gd",
  "c6gn",
  "c6i",
  "c6id",
  "c6in",
  "c7a",
  "c7g",
  "c7gd",
  "c7gn",
  "c7i",
  "c7i-flex",
  "c8a",
  "c8g",
  "c8gd",
  "c8gn",
  "c8i",
  "r5",
  "r5a",
  "r5ad",
  "r5b",
  "r5d",
  "r5dn",
  "r5n",
  "r6a",
  "r6g",
  "r6gd",
  "r6i",
  "r6id",
  "r6idn",
  "r6in",
  "r7a",
  "r7g",
  "r7gd",
  "r7i",
  "r7iz",
  "r8a",
  "r8g",
  "r8gd",
  "r8i",
  "x2gd",
  "x2idn",
  "x2iedn",
  "x2iezn",
  "x8g",
  "z1d",
  "i3",
  "i3en",
  "i4g",
  "i4i",
  "i7i",
  "i7ie",
  "i8g",
  "im4gn",
  "is4gen",
  "d3",
  "d3en",
  "g4dn",
  "g5",
  "g5g",
  "g6",
  "g6e",
  "gr6",
  "p4d",
  "p5",
  "inf2",
  "trn1",
];

const INSTANCE_SIZES = [
  "nano",
  "micro",
  "small",
  "medium",
  "large",
  "xlarge",
  "2xlarge",
  "3xlarge",
  "4xlarge",
  "6xlarge",
  "8xlarge",
  "9xlarge",
  "12xlarge",
  "16xlarge",
  "18xlarge",
  "24xlarge",
  "32xlarge",
  "48xlarge",
  "56xlarge",
  "96xlarge",
  "112xlarge",
  "metal",
  "metal-16xl",
  "metal-24xl",
  "metal-48xl",
];

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

export const knownInstanceType = (value: string, ctx: z.RefinementCtx): void => {
  const [family = "", size = ""] = value.split(".");
  if (!INSTANCE_FAMILIES.includes(family)) {
    const suggestion = closest(family, INSTANCE_FAMILIES);
    unknown(ctx, value, "an EC2 instance type: unknown family", suggestion ? [`${suggestion}.${size}`] : []);
  } else if (!INSTANCE_SIZES.includes(size)) {
    unknown(
      ctx,
      value,
      "an EC2 instance type: unknown size",
      INSTANCE_SIZES.map((candidate) => `${family}.${candidate}`),
    );
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
