import { z } from "./zod";
import { knownRegion } from "./aws-catalog";

/** Names that end up in AWS resource names: lower case, digits and hyphens, starting with a letter. */
export const resourceName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,18}[a-z0-9]$/, "must be 2-20 characters of a-z, 0-9 and '-', starting with a letter and not ending with '-'");

export const awsRegion = z
  .string()
  .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-(north|south|east|west|central)(east|west)?-\d$/, {
    message: "is not an AWS region code; expected e.g. eu-west-1 or us-east-2",
    abort: true,
  })
  .superRefine(knownRegion);

export const accountId = z
  .string({ error: "must be a 12-digit AWS account id in quotes (YAML drops leading zeros of bare numbers)" })
  .regex(/^\d{12}$/, 'must be exactly 12 digits, e.g. "123456789012"');

export const ipv4Cidr = z.string().refine((value) => /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(value), "must be an IPv4 CIDR block such as 10.0.0.0/16");

export const tagMap = z
  .record(
    z
      .string()
      .regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u, "tag keys are 1-128 letters, digits, spaces and _.:/=+-@")
      .refine((key) => !key.toLowerCase().startsWith("aws:"), "tag keys may not start with 'aws:' (reserved by AWS)"),
    z.string().max(256, "tag values are at most 256 characters"),
  )
  .describe("Tags added to every taggable resource, on top of project, environment, stack and managed-by.");

export const retentionDays = z
  .union(
    [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653].map((days) => z.literal(days)) as unknown as [
      z.ZodLiteral<number>,
      z.ZodLiteral<number>,
      ...z.ZodLiteral<number>[],
    ],
    {
      error:
        "must be a CloudWatch Logs retention: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653 days",
    },
  )
  .describe("CloudWatch Logs retention in days (one of the values CloudWatch accepts).");
