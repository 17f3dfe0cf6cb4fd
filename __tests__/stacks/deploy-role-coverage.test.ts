import { environmentOf, isAccountStack, isBootstrapStack } from "../../tools/lib/synth-output";
import { shippedEnvironments } from "../support/environments";
import { policyOf, resourcesOf } from "../support/synth";
import { synthesizeShipped } from "../tools/support";

/** The IAM service prefix that manages each AWS resource type the stacks create (longest type prefix wins). */
const SERVICE_OF: Record<string, string> = {
  aws_acm_: "acm",
  aws_appautoscaling_: "application-autoscaling",
  aws_autoscaling_: "autoscaling",
  aws_backup_: "backup",
  aws_cloudfront_: "cloudfront",
  aws_cloudwatch_event_: "events",
  aws_cloudwatch_log_: "logs",
  aws_codebuild_: "codebuild",
  aws_codeconnections_: "codeconnections",
  aws_cloudwatch_metric_alarm: "cloudwatch",
  aws_db_: "rds",
  aws_rds_: "rds",
  aws_default_security_group: "ec2",
  aws_ec2_tag: "ec2",
  aws_ecr_: "ecr",
  aws_ecs_: "ecs",
  aws_eip: "ec2",
  aws_eks_: "eks",
  aws_flow_log: "ec2",
  aws_iam_: "iam",
  aws_internet_gateway: "ec2",
  aws_kms_: "kms",
  aws_launch_template: "ec2",
  aws_lb: "elasticloadbalancing",
  aws_nat_gateway: "ec2",
  aws_network_acl: "ec2",
  aws_route53_: "route53",
  aws_route: "ec2",
  aws_s3_: "s3",
  aws_secretsmanager_: "secretsmanager",
  aws_security_group: "ec2",
  aws_sns_: "sns",
  aws_sqs_: "sqs",
  aws_subnet: "ec2",
  aws_vpc: "ec2",
  aws_wafv2_: "wafv2",
};

function serviceOf(type: string): string | undefined {
  const prefix = Object.keys(SERVICE_OF)
    .filter((candidate) => type.startsWith(candidate))
    .sort((a, b) => b.length - a.length)[0];
  return prefix ? SERVICE_OF[prefix] : undefined;
}

describe("the GitHub deploy role", () => {
  it("may manage every kind of AWS resource the environment stacks create", () => {
    const app = synthesizeShipped();
    // Every account's bootstrap stack (not Terraform Cloud's): the deploy roles are in the accounts of the environments
    // GitHub Actions deploys.
    const bootstraps = app.filter((stack) => isBootstrapStack(stack.name) && !stack.name.startsWith("bootstrap-terraform-cloud-"));
    // Terraform Cloud environments are deployed by their own apply role (stacks/terraform-cloud-stack.ts), not this one.
    const inCloud = new Set(
      shippedEnvironments()
        .filter((environment) => environment.state.backend === "cloud")
        .map((environment) => environment.name),
    );
    // Account-level stacks (bootstrap, guardrails) are applied with the bootstrap credentials, never by a deploy role.
    const stacks = app.filter((stack) => !isAccountStack(stack.name) && !inCloud.has(environmentOf(stack.name) ?? ""));
    const types = new Set(stacks.flatMap((stack) => Object.keys(stack.json.resource ?? {})));
    const awsTypes = [...types].filter((type) => type.startsWith("aws_"));
    expect(awsTypes.filter((type) => serviceOf(type) === undefined)).toEqual([]);
    // What the synthesized deploy policies grant service-wide; s3 and iam are granted on <prefix>-* names by their own statements.
    const managed = bootstraps
      .flatMap((bootstrap) => Object.values(resourcesOf(bootstrap.json, "aws_iam_role_policy")))
      .flatMap((policy) => policyOf(policy).Statement)
      .filter((statement) => statement.Sid === "ManageEnvironmentServicesInItsRegions")
      .flatMap((statement) => (statement.Action as string[]).map((action) => action.replace(/:\*$/, "")));
    expect(managed.length).toBeGreaterThan(0);
    const allowed = new Set([...managed, "s3", "iam"]);
    expect([...new Set(awsTypes.map(serviceOf))].filter((service) => !allowed.has(service!))).toEqual([]);
  });

  it("may pass a role to every service a resource of the environment stacks hands one to", () => {
    const app = synthesizeShipped();
    const passedTo = new Set(
      app
        .filter((stack) => isBootstrapStack(stack.name) && !stack.name.startsWith("bootstrap-terraform-cloud-"))
        .flatMap((bootstrap) => Object.values(resourcesOf(bootstrap.json, "aws_iam_role_policy")))
        .flatMap((policy) => policyOf(policy).Statement)
        .filter((statement) => statement.Action === "iam:PassRole")
        .flatMap((statement) => [((statement.Condition as Record<string, Record<string, unknown>>).StringEquals ?? {})["iam:PassedToService"]].flat()),
    );
    /** Resource types that hand a role to a service when created (the service checks iam:PassRole). */
    const PASSES: Record<string, string> = {
      aws_s3_bucket_replication_configuration: "s3.amazonaws.com",
      aws_flow_log: "vpc-flow-logs.amazonaws.com",
      aws_backup_selection: "backup.amazonaws.com",
      aws_eks_cluster: "eks.amazonaws.com",
    };
    const types = new Set(app.filter((stack) => !isBootstrapStack(stack.name)).flatMap((stack) => Object.keys(stack.json.resource ?? {})));
    const needed = Object.entries(PASSES).filter(([type]) => types.has(type));
    expect(needed.map(([type]) => type)).toContain("aws_s3_bucket_replication_configuration");
    expect(needed.filter(([, service]) => !passedTo.has(service))).toEqual([]);
  });
});
