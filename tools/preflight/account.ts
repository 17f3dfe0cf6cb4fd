import { GITHUB_OIDC_HOST } from "../../constructs/iam/github-oidc";
import type { AwsCli, PreflightCheck, PreflightContext, PreflightResult } from "./types";

/** The role EC2 Auto Scaling launches EKS nodes with; the node volume key's policy names it. */
export const AUTOSCALING_SERVICE_LINKED_ROLE = "AWSServiceRoleForAutoScaling";

type Presence = { readonly found: boolean } | { readonly error: string };

/** `aws iam get-role`: found, absent (NoSuchEntity), or a failure that says nothing about the role. */
async function roleExists(aws: AwsCli, roleName: string, region: string): Promise<Presence> {
  // IAM is global; the region picks the partition's endpoint (aws-cn, aws-us-gov).
  const result = await aws(["iam", "get-role", "--role-name", roleName, "--region", region]);
  if (result.ok) return { found: true };
  if (/NoSuchEntity/.test(result.stderr)) return { found: false };
  return { error: firstLine(result.stderr) };
}

async function githubProviderExists(aws: AwsCli, region: string): Promise<Presence> {
  const result = await aws(["iam", "list-open-id-connect-providers", "--region", region]);
  if (!result.ok) return { error: firstLine(result.stderr) };
  try {
    const providers = (JSON.parse(result.stdout) as { OpenIDConnectProviderList?: { Arn?: string }[] }).OpenIDConnectProviderList ?? [];
    return { found: providers.some((provider) => String(provider.Arn).endsWith(`:oidc-provider/${GITHUB_OIDC_HOST}`)) };
  } catch {
    return { error: "aws iam list-open-id-connect-providers printed no JSON" };
  }
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0] || "no error message";
}

/**
 * Compares what the account has with what the config says about it (`create` or `existing`), for one account-wide
 * resource: the four combinations, each with what to do.
 */
function compare(
  context: PreflightContext,
  what: string,
  key: string,
  mode: "create" | "existing",
  presence: Presence,
  createCommand: string,
): PreflightResult[] {
  const file = context.environment.file;
  if ("error" in presence)
    return [
      {
        status: "unchecked",
        message: `${what}: could not check (${presence.error}); the caller needs iam:GetRole and iam:ListOpenIDConnectProviders`,
      },
    ];
  if (presence.found && mode === "existing") return [{ status: "ok", message: `${what} exists and ${file} says ${key}: existing` }];
  if (!presence.found && mode === "create")
    return [{ status: "ok", message: `${what} does not exist yet and ${file} says ${key}: create, so the bootstrap stack creates it` }];
  if (presence.found) {
    return [{ status: "missing", message: `${what} exists, but ${file} says ${key}: create, and creating a second one fails; set ${key}: existing` }];
  }
  return [{ status: "missing", message: `${what} does not exist, but ${file} says ${key}: existing; set ${key}: create, or run ${createCommand}` }];
}

export const autoScalingServiceLinkedRoleCheck: PreflightCheck = {
  id: "account-autoscaling-service-linked-role",
  description: `the ${AUTOSCALING_SERVICE_LINKED_ROLE} service-linked role the node volume key's policy names (KMS rejects a policy naming a role that does not exist)`,
  async run(context) {
    const presence = await roleExists(context.aws, AUTOSCALING_SERVICE_LINKED_ROLE, context.environment.account.region);
    return compare(
      context,
      `the service-linked role ${AUTOSCALING_SERVICE_LINKED_ROLE}`,
      "account.autoScalingServiceLinkedRole",
      context.environment.account.autoScalingServiceLinkedRole,
      presence,
      "aws iam create-service-linked-role --aws-service-name autoscaling.amazonaws.com",
    );
  },
};

export const githubOidcProviderCheck: PreflightCheck = {
  id: "account-github-oidc-provider",
  description: `the GitHub Actions OIDC provider (${GITHUB_OIDC_HOST}), of which IAM allows one per account`,
  async run(context) {
    if (!context.environment.github) {
      return [{ status: "info", message: `${context.environment.file} has no github section: no deploy role, so the GitHub OIDC provider is not needed` }];
    }
    const presence = await githubProviderExists(context.aws, context.environment.account.region);
    return compare(
      context,
      `the GitHub Actions OIDC provider ${GITHUB_OIDC_HOST}`,
      "account.githubOidcProvider",
      context.environment.account.githubOidcProvider,
      presence,
      `aws iam create-open-id-connect-provider --url https://${GITHUB_OIDC_HOST} --client-id-list sts.amazonaws.com`,
    );
  },
};

/** The account-wide facts a deploy depends on; the preflight registry lists these with the other checks. */
export const accountChecks: PreflightCheck[] = [autoScalingServiceLinkedRoleCheck, githubOidcProviderCheck];
