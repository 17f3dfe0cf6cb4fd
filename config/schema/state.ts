import { z } from "zod";
import { awsRegion } from "./common";

const s3State = z
  .strictObject({
    backend: z.literal("s3").describe("Terraform state in the S3 bucket that the bootstrap stack creates."),
    bucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be a valid S3 bucket name: 3-63 characters of a-z, 0-9, '.' and '-'")
      .optional()
      .describe("State bucket name. @default <project>-tfstate-<account id>"),
    region: awsRegion.optional().describe("Region of the state bucket. @default the environment's region"),
  })
  .describe("Remote state in S3 with native locking (use_lockfile) and SSE-KMS.");

const cloudState = z
  .strictObject({
    backend: z.literal("cloud").describe("Terraform Cloud / Terraform Enterprise runs the stacks."),
    organization: z.string().min(1, "must name the Terraform Cloud organization").describe("Terraform Cloud organization that owns the workspaces."),
    hostname: z
      .string()
      .regex(/^[a-z0-9.-]+$/, "must be a host name such as app.terraform.io")
      .default("app.terraform.io")
      .describe("Terraform Cloud or Enterprise host."),
    workspacePrefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]*$/, "may contain only letters, digits, '-' and '_'")
      .default("")
      .describe("Prefix of the workspace names; the workspace of a stack is <prefix><stack name>."),
  })
  .describe("Terraform Cloud: one workspace per stack.");

export const stateSchema = z
  .discriminatedUnion("backend", [s3State, cloudState], {
    error: 'backend must be "s3" or "cloud"',
  })
  .prefault({ backend: "s3" })
  .describe("Where Terraform keeps the state of this environment's stacks.");

export type StateInput = z.input<typeof stateSchema>;
