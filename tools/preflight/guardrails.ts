import { environmentGuardrails } from "../../config/schema/guardrails";
import type { AwsCli, PreflightCheck, PreflightContext, PreflightResult } from "./types";

/**
 * The account services the guardrails stack (stacks/guardrails-stack.ts) turns on that allow one per account and
 * region: a second detector, recorder or hub cannot be created, so the apply fails on one that already exists (enabled
 * by hand, or by an organization's delegated administrator). Each reads, never changes, the account.
 */
const SINGLETONS = [
  {
    service: "guardDuty",
    what: "a GuardDuty detector",
    args: ["guardduty", "list-detectors"],
    // An account with GuardDuty has a detector id.
    exists: (stdout: string) => ((JSON.parse(stdout) as { DetectorIds?: unknown[] }).DetectorIds ?? []).length > 0,
    notThere: undefined,
    permission: "guardduty:ListDetectors",
  },
  {
    service: "config",
    what: "an AWS Config configuration recorder",
    args: ["configservice", "describe-configuration-recorders"],
    exists: (stdout: string) => ((JSON.parse(stdout) as { ConfigurationRecorders?: unknown[] }).ConfigurationRecorders ?? []).length > 0,
    notThere: undefined,
    permission: "config:DescribeConfigurationRecorders",
  },
  {
    service: "securityHub",
    what: "Security Hub",
    args: ["securityhub", "describe-hub"],
    exists: () => true,
    // describe-hub answers InvalidAccessException ("not subscribed to AWS Security Hub") where it is off.
    notThere: /not subscribed|InvalidAccessException/,
    permission: "securityhub:DescribeHub",
  },
] as const;

async function lookAt(context: PreflightContext, aws: AwsCli, singleton: (typeof SINGLETONS)[number]): Promise<PreflightResult> {
  const { environment } = context;
  const region = environment.account.region;
  const key = `guardrails.${singleton.service}.enabled`;
  const result = await aws([...singleton.args, "--region", region]);
  if (!result.ok) {
    if (singleton.notThere?.test(result.stderr)) return { status: "ok", message: `${singleton.what} is off in ${region}: the guardrails stack turns it on` };
    const said = result.stderr.trim().split("\n")[0] || "no error message";
    return { status: "unchecked", message: `${singleton.what} in ${region}: could not check (${said}); the caller needs ${singleton.permission}` };
  }
  let found: boolean;
  try {
    found = singleton.exists(result.stdout);
  } catch {
    return { status: "unchecked", message: `${singleton.what} in ${region}: aws ${singleton.args.join(" ")} printed no JSON` };
  }
  if (!found) return { status: "ok", message: `${singleton.what} does not exist in ${region}: the guardrails stack creates it` };
  return {
    status: "missing",
    message: `${singleton.what} already exists in ${region}, and the guardrails stack cannot create a second: import it into guardrails-${environment.account.id} (terraform import) or set ${key}: false in ${environment.file} where an organization runs it`,
  };
}

/** The account's existing GuardDuty, Config and Security Hub, where the environment turns its guardrails on. */
export const guardrailsCheck: PreflightCheck = {
  id: "account-guardrails",
  description: "GuardDuty, AWS Config and Security Hub already on in the account (the guardrails stack creates them)",
  async run(context) {
    const guardrails = environmentGuardrails(context.environment);
    if (!guardrails.enabled) return [{ status: "info", message: `guardrails are off for ${context.environment.name}: nothing to look at` }];
    const wanted = SINGLETONS.filter((singleton) => guardrails.services[singleton.service]);
    return Promise.all(wanted.map((singleton) => lookAt(context, context.aws, singleton)));
  },
};
