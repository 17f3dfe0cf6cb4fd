import { validateWorkflow } from "@action-validator/core";
import { parse } from "yaml";

type Permissions = string | Record<string, string> | undefined;

interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
}

export interface Job {
  readonly uses?: string;
  readonly with?: Record<string, unknown>;
  readonly needs?: string | string[];
  readonly environment?: string | { name: string };
  readonly concurrency?: string | { group: string; "cancel-in-progress"?: boolean };
  readonly permissions?: Permissions;
  readonly steps?: Step[];
  readonly env?: Record<string, string>;
  readonly "runs-on"?: string | string[];
}

export interface Workflow {
  readonly on: unknown;
  readonly permissions?: Permissions;
  readonly jobs: Record<string, Job>;
}

export function parseWorkflow(source: string): Workflow {
  return parse(source) as Workflow;
}

/** Schema errors from action-validator (SchemaStore's GitHub workflow schema, compiled to WebAssembly). */
export function schemaErrors(source: string): string[] {
  const { result, notices } = withValidatorNotices(() => validateWorkflow(source));
  const errors = result.errors.map((error) => `${"path" in error ? error.path : ""} ${error.title}${error.detail ? `: ${error.detail}` : ""}`.trim());
  // The validator says, once per `paths` glob, that it does not check globs (action-validator 0.6); anything else it says is a finding.
  return [...errors, ...notices.filter((notice) => !/^WARNING: Glob validation is not yet supported\./.test(notice))];
}

/** Runs the validator with what it prints through console.warn (its only channel for notices) collected instead of printed. */
function withValidatorNotices<T>(validate: () => T): { result: T; notices: string[] } {
  const notices: string[] = [];
  const warn = console.warn;
  console.warn = (...parts: unknown[]) => notices.push(parts.map(String).join(" "));
  try {
    return { result: validate(), notices };
  } finally {
    console.warn = warn;
  }
}

const SHA_PINNED = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.\-/]+@[0-9a-f]{40}$/;

/** Every `uses:` line names a local workflow or a full commit SHA, followed by a `# v…` comment saying which version. */
export function unpinnedUses(source: string): string[] {
  return source
    .split("\n")
    .map((line) => line.match(/^\s*(?:-\s+)?uses:\s*(\S+)\s*(#.*)?$/))
    .filter((match): match is RegExpMatchArray => match !== null)
    .filter(([, reference, comment]) => !reference.startsWith("./") && !(SHA_PINNED.test(reference) && /^#\s*v\d/.test(comment ?? "")))
    .map(([, reference]) => reference);
}

/** A job touches AWS when it configures AWS credentials, runs the AWS CLI or cdktf against an account, or calls a workflow with a role. */
export function touchesAws(job: Job): boolean {
  if (job.with && "role-arn" in job.with) return true;
  return (job.steps ?? []).some((step) => step.uses?.startsWith("aws-actions/") || /\b(cdktf(\.js)? (deploy|diff|destroy)|aws \w+)/.test(step.run ?? ""));
}

function grants(permissions: Permissions, scope: string, level: string): boolean {
  if (permissions === `${level}-all`) return true;
  return typeof permissions === "object" && permissions[scope] === level;
}

/** The permissions a job runs with: its own block, or else the workflow's. */
export function effectivePermissions(workflow: Workflow, job: Job): Permissions {
  return job.permissions ?? workflow.permissions;
}

/** Jobs that touch AWS without requesting an OIDC token (`id-token: write`). */
export function awsJobsWithoutOidc(workflow: Workflow): string[] {
  return Object.entries(workflow.jobs)
    .filter(([, job]) => touchesAws(job) && !grants(effectivePermissions(workflow, job), "id-token", "write"))
    .map(([name]) => name);
}

const STATIC_KEY_PATTERNS = [/aws-access-key-id/i, /aws-secret-access-key/i, /AWS_ACCESS_KEY_ID/, /AWS_SECRET_ACCESS_KEY/, /\bAKIA[0-9A-Z]{16}\b/];

export function staticKeyReferences(source: string): string[] {
  return STATIC_KEY_PATTERNS.filter((pattern) => pattern.test(source)).map((pattern) => pattern.source);
}
