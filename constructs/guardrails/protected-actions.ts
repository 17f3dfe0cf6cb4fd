import { GUARDRAILS_NAME_PREFIX } from "../../config/schema/guardrails";
import type { ArnContext } from "../core/aws-scope";
import { formatArn } from "../core/aws-scope";
import type { PolicyStatement } from "../iam/policy-document";

/**
 * The services of the account guardrails, whole: no environment deploys or reads any of them, and listing single
 * actions (StopLogging, DeleteDetector, CreateFilter that archives findings unseen, ...) would miss the next one AWS
 * adds and cost characters the deploy role's policies cannot spare (IAM: 10,240 per role's inline policies, 6,144 per
 * managed policy such as the boundary).
 */
export const GUARDRAIL_SERVICES_DENIED = ["cloudtrail:*", "guardduty:*", "config:*", "securityhub:*", "access-analyzer:*"];

/**
 * Deny statements for every role of an environment (and, through its boundary, every role it creates): no guardrail
 * service can be used at all, the audit bucket cannot be touched, and no Object Lock governance retention bypassed.
 * The guardrails stack's `environment` tag keeps the environment roles off its keys, log group, rule and topic too.
 */
export function guardrailProtections(scope: ArnContext): PolicyStatement[] {
  return [
    { Sid: "NeverDisableAccountGuardrails", Effect: "Deny", Action: [...GUARDRAIL_SERVICES_DENIED, "s3:BypassGovernanceRetention"], Resource: "*" },
    {
      Sid: "NeverTouchTheAuditBucket",
      Effect: "Deny",
      Action: "s3:*",
      Resource: formatArn(scope, { service: "s3", region: "", account: "", resource: `${GUARDRAILS_NAME_PREFIX}-audit-*` }),
    },
  ];
}
