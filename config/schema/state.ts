import { z } from "./zod";
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

/** Memory a Fargate task may have for its CPU units, in MiB (whole GiB steps). */
const FARGATE_MEMORY_MIB: Record<512 | 1024 | 2048 | 4096, readonly [number, number]> = {
  512: [1024, 4096],
  1024: [2048, 8192],
  2048: [4096, 16384],
  4096: [8192, 30720],
};

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
    project: z
      .string()
      .regex(/^[A-Za-z0-9 _-]{3,40}$/, "must be 3-40 letters, digits, spaces, '-' or '_' (a Terraform Cloud project name)")
      .optional()
      .describe("Terraform Cloud project of the environment's workspaces; the AWS roles trust runs of this project only. @default <project>-<environment>"),
    oidcProvider: z
      .enum(["create", "existing"])
      .default("create")
      .describe(
        "Whether the account's Terraform Cloud trust stack creates the IAM OIDC provider of the host, or references one the account already has (IAM keeps one per URL).",
      ),
    agents: z
      .strictObject({
        count: z
          .number()
          .int("must be a whole number")
          .min(1, "must be at least 1")
          .max(10, "must be at most 10")
          .default(1)
          .describe("Agents that run the environment's cluster workspaces (each runs one run at a time)."),
        cpu: z
          .union([z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)])
          .default(1024)
          .describe("Fargate CPU units of one agent task (Helm renders charts and Terraform plans in it)."),
        memoryMiB: z
          .number()
          .int("must be a whole number")
          .min(1024, "must be at least 1024")
          .max(30720, "must be at most 30720")
          .default(4096)
          .describe("Memory of one agent task in MiB (within what Fargate allows for the CPU)."),
        imageTag: z
          .string()
          .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "must be a container image tag")
          .optional()
          .describe("Tag of the agent image (tfc-agent/Dockerfile) in the environment's agent repository. @default the tag the Dockerfile pins"),
      })
      .prefault({})
      .superRefine((agents, context) => {
        const [least, most] = FARGATE_MEMORY_MIB[agents.cpu];
        if (agents.memoryMiB < least || agents.memoryMiB > most || agents.memoryMiB % 1024 !== 0) {
          context.addIssue({
            code: "custom",
            path: ["memoryMiB"],
            message: `must be a multiple of 1024 from ${least} to ${most} for cpu ${agents.cpu} (what Fargate allows)`,
          });
        }
      })
      .describe("Terraform Cloud agents in the environment's private subnets: they run the workspaces that talk to the private cluster API."),
  })
  .describe("Terraform Cloud: one workspace per stack; the cluster's workspaces run on agents inside the VPC.");

export type CloudState = z.output<typeof cloudState>;

export const stateSchema = z
  .discriminatedUnion("backend", [s3State, cloudState], {
    error: 'backend must be "s3" or "cloud"',
  })
  .prefault({ backend: "s3" })
  .describe("Where Terraform keeps the state of this environment's stacks.");

export type StateInput = z.input<typeof stateSchema>;
