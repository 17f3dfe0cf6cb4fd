import { planRefreshContract, REFRESH_ACTIONS } from "../../../../tools/contracts/checks/plan-refresh";
import type { SystemModel } from "../../../../tools/contracts/types";
import { ACCOUNT, ENVIRONMENT, policy, REGION, system } from "../fixtures/system";

/**
 * The environment's runner stack emits a CodeBuild project and a secret version encrypted with its own key; the plan
 * role of the bootstrap stack reads the services with Describe/Get/List. The passing role also holds
 * `codebuild:BatchGetProjects` and a decrypt through Secrets Manager; the failing one does not (the break of issue
 * 20: the second plan of the environment failed), and its stack emits a type the table has no entry for.
 */
const RUNNER = `${ENVIRONMENT.name}-runner`;
const PLAN = `${ENVIRONMENT.prefix}-plan`;

function build(broken: boolean) {
  const reads = {
    Effect: "Allow",
    Action: ["codebuild:List*", "secretsmanager:Get*", "secretsmanager:Describe*", "kms:Describe*", "kms:Get*", "kms:List*", "sts:GetCallerIdentity"],
    Resource: "*",
  };
  const refresh = [
    { Effect: "Allow", Action: "codebuild:BatchGetProjects", Resource: `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/${ENVIRONMENT.prefix}-*` },
    {
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/*`,
      Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${REGION}.amazonaws.com` } },
    },
  ];
  return system({
    stacks: {
      bootstrap: {
        resource: {
          aws_iam_role: { Plan: { name: PLAN, assume_role_policy: "{}" } },
          aws_iam_role_policy: { PlanPolicy: { role: "${aws_iam_role.Plan.id}", policy: policy(reads, ...(broken ? [] : refresh)) } },
        },
      },
      [RUNNER]: {
        provider: { aws: [{ region: REGION }] },
        resource: {
          aws_codebuild_project: { Project: { name: `${ENVIRONMENT.prefix}-runner` } },
          aws_kms_key: { Key: {} },
          aws_secretsmanager_secret: { Settings: { name: "settings", kms_key_id: "${aws_kms_key.Key.arn}" }, Plain: { name: "plain" } },
          aws_secretsmanager_secret_version: {
            Value: { secret_id: "${aws_secretsmanager_secret.Settings.id}", secret_string: "x" },
            PlainValue: { secret_id: "${aws_secretsmanager_secret.Plain.id}", secret_string: "x" },
          },
          ...(broken ? { aws_lambda_function: { Fn: { function_name: "fn" } } } : {}),
        },
      },
    },
  });
}

describe("the plan-refresh contract", () => {
  it("passes when the plan role holds every read of every emitted type, and counts the provider and each resource", () => {
    const result = planRefreshContract.check(build(false));
    expect(result.findings).toEqual([]);
    // provider.aws, the project, the key, two secrets and two versions.
    expect(result.checked).toBe(7);
  });

  it("names the reads the plan role lacks and a type without an entry", () => {
    const result = planRefreshContract.check(build(true));
    const lacks = `the plan role ${PLAN} does not allow it: the plan after the first apply fails`;
    expect(result.findings.map((finding) => [finding.consumer, finding.reference, finding.instead])).toEqual([
      [`aws_codebuild_project.Project (${RUNNER})`, `codebuild:BatchGetProjects in ${REGION}`, lacks],
      [`aws_secretsmanager_secret_version.Value (${RUNNER})`, `kms:Decrypt via secretsmanager in ${REGION} on arn:aws:kms:${REGION}:${ACCOUNT}:key/Key`, lacks],
      [
        `aws_lambda_function.Fn (${RUNNER})`,
        "refresh of aws_lambda_function",
        "no entry in REFRESH_ACTIONS of tools/contracts/checks/plan-refresh.ts: add the read actions of the provider's Read function",
      ],
    ]);
  });

  it("checks nothing for an environment without a plan role", () => {
    const model = build(true);
    const { bootstrap: _bootstrap, ...rest } = model.stacks;
    void _bootstrap;
    expect(planRefreshContract.check({ ...model, stacks: rest })).toEqual({ checked: 0, findings: [] });
  });

  it("checks a Terraform Cloud environment's plan role, <prefix>-tfc-plan, and no AWS read for a workspace's remote state", () => {
    const cloud = {
      ...ENVIRONMENT,
      state: {
        backend: "cloud" as const,
        organization: "acme",
        hostname: "app.terraform.io",
        workspacePrefix: "",
        oidcProvider: "create" as const,
        agents: { count: 1, cpu: 1024 as const, memoryMiB: 4096 },
      },
    };
    const planRole = `${ENVIRONMENT.prefix}-tfc-plan`;
    const model = (reads: string[]) => {
      const stacks: SystemModel["stacks"] = {
        [`bootstrap-terraform-cloud-${ACCOUNT}`]: {
          resource: {
            aws_iam_role: { Plan: { name: planRole, assume_role_policy: "{}" } },
            aws_iam_role_policy: { PlanPolicy: { role: "${aws_iam_role.Plan.id}", policy: policy({ Effect: "Allow", Action: reads, Resource: "*" }) } },
          },
        },
        [RUNNER]: {
          provider: { aws: [{ region: REGION }] },
          data: {
            terraform_remote_state: { Network: { backend: "remote", config: { organization: "acme", workspaces: { name: `${ENVIRONMENT.name}-network` } } } },
          },
          resource: { aws_ecs_service: { Agents: { name: "agents" } } },
        },
      };
      return { ...system({}), stacks, environment: cloud };
    };
    // provider.aws and the service; the remote state is read with a Terraform Cloud token.
    expect(planRefreshContract.check(model(["ecs:Describe*", "ecs:List*", "sts:GetCallerIdentity"]))).toEqual({ checked: 2, findings: [] });
    expect(planRefreshContract.check(model(["sts:GetCallerIdentity"])).findings.map((finding) => finding.reference)).toEqual([
      `ecs:DescribeServices in ${REGION}`,
      `ecs:ListTagsForResource in ${REGION}`,
    ]);
  });

  it("names only IAM actions of the service prefixes AWS defines, as `service:Action`", () => {
    const actions = Object.values(REFRESH_ACTIONS).flat();
    expect(actions.filter((entry) => !/^[a-z0-9-]+:[A-Z][A-Za-z0-9]+( via [a-z0-9-]+)?$/.test(entry))).toEqual([]);
  });
});
