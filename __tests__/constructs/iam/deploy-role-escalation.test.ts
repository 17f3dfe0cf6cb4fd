import { EnvironmentConfig } from "../../../config";
import { pipelineRolesOf } from "../../../constructs/iam/github-actions";
import { BootstrapStack } from "../../../stacks/bootstrap-stack";
import { shippedEnvironments, testApp, testEnvironment } from "../../support/environments";
import { evaluate, IamRequest, PolicyDocumentJson } from "../../../constructs/policy/iam-evaluator";
import { resourcesOf, SynthesizedStack, synthStack } from "../../support/synth";

/** The synthesized policies of one environment's pipeline roles, read back from the bootstrap stack's JSON. */
interface PipelinePolicies {
  readonly deploy: PolicyDocumentJson;
  readonly plan: PolicyDocumentJson;
  readonly boundary: PolicyDocumentJson;
  /** The state key's ARN as the policies name it (a reference to the bootstrap stack's key). */
  readonly stateKey: string;
  readonly stateBucket: string;
}

function policiesOf(synthesized: SynthesizedStack, environment: EnvironmentConfig): PipelinePolicies {
  const roleId = (name: string) => Object.entries(resourcesOf(synthesized, "aws_iam_role")).find(([, role]) => role.name === name)![0];
  const inline = (roleName: string) =>
    JSON.parse(
      Object.values(resourcesOf(synthesized, "aws_iam_role_policy")).find((policy) => String(policy.role).includes(`aws_iam_role.${roleId(roleName)}.`))!
        .policy as string,
    ) as PolicyDocumentJson;
  const boundary = Object.values(resourcesOf(synthesized, "aws_iam_policy")).find((policy) => policy.name === `${environment.prefix}-boundary`)!;
  const deploy = inline(`${environment.prefix}-deploy`);
  const stateKey = String(deploy.Statement.find((statement) => (statement as { Sid?: string }).Sid === "UseStateKey")!.Resource);
  if (environment.state.backend !== "s3") throw new Error("pipeline roles exist for S3 state only");
  return {
    deploy,
    plan: inline(`${environment.prefix}-plan`),
    boundary: JSON.parse(boundary.policy as string) as PolicyDocumentJson,
    stateKey,
    stateBucket: environment.state.bucket,
  };
}

function arns(environment: EnvironmentConfig) {
  const { partition, account, prefix } = environment;
  return {
    iam: (resource: string) => `arn:${partition}:iam::${account.id}:${resource}`,
    regional: (service: string, resource: string) => `arn:${partition}:${service}:${account.region}:${account.id}:${resource}`,
    prefix,
  };
}

/** A request in the environment's region against a resource that carries `tags`. */
function inRegion(environment: EnvironmentConfig, action: string, resource: string, context: Record<string, string> = {}): IamRequest {
  return { action, resource, context: { "aws:RequestedRegion": environment.account.region, ...context } };
}

/** The escalation paths the issue names, tried with the deploy role's synthesized policy; every one must be refused. */
function escalations(environment: EnvironmentConfig, policies: PipelinePolicies): [string, IamRequest][] {
  const { iam, prefix } = arns(environment);
  const boundary = iam(`policy/${prefix}-boundary`);
  return [
    ["create a role without the boundary", { action: "iam:CreateRole", resource: iam(`role/${prefix}-escalate`) }],
    [
      "create a role under a boundary of its own",
      { action: "iam:CreateRole", resource: iam(`role/${prefix}-escalate`), context: { "iam:PermissionsBoundary": iam(`policy/${prefix}-lenient`) } },
    ],
    ["put an inline policy on a role without the boundary", { action: "iam:PutRolePolicy", resource: iam(`role/${prefix}-nodes-system`) }],
    [
      "attach AdministratorAccess to a bounded role",
      {
        action: "iam:AttachRolePolicy",
        resource: iam(`role/${prefix}-nodes-system`),
        context: { "iam:PermissionsBoundary": boundary, "iam:PolicyARN": `arn:${environment.partition}:iam::aws:policy/AdministratorAccess` },
      },
    ],
    [
      "pass a role outside the environment (no boundary) to EC2",
      { action: "iam:PassRole", resource: iam("role/platform-admins"), context: { "iam:PassedToService": "ec2.amazonaws.com" } },
    ],
    ["pass itself to EC2", { action: "iam:PassRole", resource: iam(`role/${prefix}-deploy`), context: { "iam:PassedToService": "ec2.amazonaws.com" } }],
    [
      "pass a bounded role to a service it does not deploy",
      { action: "iam:PassRole", resource: iam(`role/${prefix}-nodes-system`), context: { "iam:PassedToService": "lambda.amazonaws.com" } },
    ],
    ["put a role policy on itself", { action: "iam:PutRolePolicy", resource: iam(`role/${prefix}-deploy`), context: { "iam:PermissionsBoundary": boundary } }],
    ["widen its own trust", { action: "iam:UpdateAssumeRolePolicy", resource: iam(`role/${prefix}-deploy`) }],
    ["widen the plan role", { action: "iam:PutRolePolicy", resource: iam(`role/${prefix}-plan`), context: { "iam:PermissionsBoundary": boundary } }],
    ["delete the boundary", { action: "iam:DeletePolicy", resource: boundary }],
    ["rewrite the boundary", { action: "iam:CreatePolicyVersion", resource: boundary }],
    ["remove the boundary from a role", { action: "iam:DeleteRolePermissionsBoundary", resource: iam(`role/${prefix}-nodes-system`) }],
    ["create an IAM user with keys", { action: "iam:CreateUser", resource: iam(`user/${prefix}-backdoor`) }],
    ["schedule the state key for deletion", inRegion(environment, "kms:ScheduleKeyDeletion", policies.stateKey)],
    ["replace the state key's policy", inRegion(environment, "kms:PutKeyPolicy", policies.stateKey)],
    ["delete the state bucket's policy", { action: "s3:DeleteBucketPolicy", resource: `arn:${environment.partition}:s3:::${policies.stateBucket}` }],
  ];
}

/** What the deploy role must still be able to do: the attack tests would pass vacuously on a role that can do nothing. */
function deployments(environment: EnvironmentConfig, policies: PipelinePolicies): [string, IamRequest][] {
  const { iam, regional, prefix } = arns(environment);
  const boundary = iam(`policy/${prefix}-boundary`);
  const own = { "aws:RequestTag/environment": environment.name };
  return [
    [
      "create a node role under the boundary",
      { action: "iam:CreateRole", resource: iam(`role/${prefix}-nodes-system`), context: { "iam:PermissionsBoundary": boundary } },
    ],
    [
      "attach the EKS worker policy to it",
      {
        action: "iam:AttachRolePolicy",
        resource: iam(`role/${prefix}-nodes-system`),
        context: { "iam:PermissionsBoundary": boundary, "iam:PolicyARN": `arn:${environment.partition}:iam::aws:policy/AmazonEKSWorkerNodePolicy` },
      },
    ],
    ["pass it to EC2", { action: "iam:PassRole", resource: iam(`role/${prefix}-nodes-system`), context: { "iam:PassedToService": "ec2.amazonaws.com" } }],
    ["create its cluster", inRegion(environment, "eks:CreateCluster", regional("eks", `cluster/${prefix}`), own)],
    [
      "read its state",
      { action: "s3:GetObject", resource: `arn:${environment.partition}:s3:::${policies.stateBucket}/${environment.name}/${environment.name}-network.tfstate` },
    ],
    ["decrypt its state", inRegion(environment, "kms:Decrypt", policies.stateKey)],
  ];
}

/** `from`'s roles against `to`'s resources (same account): every one must be refused. */
function crossEnvironment(from: EnvironmentConfig, to: EnvironmentConfig, policies: PipelinePolicies): [string, IamRequest][] {
  const target = arns(to);
  const tagged = { "aws:ResourceTag/environment": to.name };
  const boundary = arns(from).iam(`policy/${from.prefix}-boundary`);
  return [
    ["grant itself access to the other cluster", inRegion(from, "eks:CreateAccessEntry", target.regional("eks", `cluster/${to.prefix}`), tagged)],
    ["disable the other database's deletion protection", inRegion(from, "rds:ModifyDBCluster", target.regional("rds", `cluster:${to.prefix}`), tagged)],
    [
      "read the other database's RDS-managed master secret",
      inRegion(from, "secretsmanager:GetSecretValue", target.regional("secretsmanager", "secret:rds!cluster-0a1b2c3d-AbCdEf"), {
        "aws:ResourceTag/aws:rds:primaryDBClusterArn": target.regional("rds", `cluster:${to.prefix}`),
      }),
    ],
    [
      "read the other environment's application secret",
      inRegion(from, "secretsmanager:GetSecretValue", target.regional("secretsmanager", `secret:${to.prefix}/web/database-AbCdEf`), tagged),
    ],
    ["schedule the other environment's key for deletion", inRegion(from, "kms:ScheduleKeyDeletion", target.regional("kms", "key/0a1b2c3d"), tagged)],
    [
      "read the other environment's state",
      { action: "s3:GetObject", resource: `arn:${to.partition}:s3:::${policies.stateBucket}/${to.name}/${to.name}-data.tfstate` },
    ],
    [
      "overwrite the other environment's state",
      { action: "s3:PutObject", resource: `arn:${to.partition}:s3:::${policies.stateBucket}/${to.name}/${to.name}-data.tfstate` },
    ],
    [
      "change the other environment's roles",
      { action: "iam:PutRolePolicy", resource: target.iam(`role/${to.prefix}-nodes-system`), context: { "iam:PermissionsBoundary": boundary, ...tagged } },
    ],
    [
      "tag its own resource as the other environment's",
      inRegion(from, "ec2:CreateTags", arns(from).regional("ec2", "instance/i-0123"), { "aws:RequestTag/environment": to.name }),
    ],
  ];
}

describe("the deploy roles of the shipped environments resist escalation", () => {
  const environments = shippedEnvironments().filter((environment) => pipelineRolesOf(environment));
  const accounts = [...new Set(environments.map((environment) => environment.account.id))];
  const synthesized = new Map(
    accounts.map((account) => [
      account,
      synthStack(new BootstrapStack(testApp(), "bootstrap", { environments: environments.filter((e) => e.account.id === account) })),
    ]),
  );
  const cases = environments.flatMap((environment) => {
    const policies = policiesOf(synthesized.get(environment.account.id)!, environment);
    return escalations(environment, policies).map(([attack, request]) => [environment.name, attack, request, policies] as const);
  });

  it.each(cases)("%s: the deploy role cannot %s", (_name, _attack, request, policies) => {
    expect(evaluate(request, [policies.deploy])).not.toBe("allowed");
  });

  it.each(environments.map((environment) => [environment.name, environment] as const))(
    "%s: the deploy role can still deploy the environment",
    (_name, environment) => {
      const policies = policiesOf(synthesized.get(environment.account.id)!, environment);
      for (const [what, request] of deployments(environment, policies)) {
        expect({ what, decision: evaluate(request, [policies.deploy]) }).toEqual({ what, decision: "allowed" });
      }
    },
  );
});

describe("environments in one account are separated", () => {
  const github = { repository: "acme/shop" };
  const lower = testEnvironment({ tier: "development", github }, "dev");
  const higher = testEnvironment({ tier: "production", github }, "prod");
  const synthesized = synthStack(new BootstrapStack(testApp(), "bootstrap", { environments: [lower, higher] }));
  const pairs = [
    [lower, higher],
    [higher, lower],
  ] as const;
  const cases = pairs.flatMap(([from, to]) => {
    const policies = policiesOf(synthesized, from);
    return crossEnvironment(from, to, policies).flatMap(([attack, request]) => [
      [from.name, "deploy", to.name, attack, request, policies.deploy] as const,
      [from.name, "plan", to.name, attack, request, policies.plan] as const,
      [from.name, "boundary", to.name, attack, request, policies.boundary] as const,
    ]);
  });

  it.each(cases)("%s's %s policy cannot touch %s: %s", (_from, _role, _to, _attack, request, policy) => {
    expect(evaluate(request, [policy])).not.toBe("allowed");
  });

  it("a role created under the boundary cannot escalate whatever its own policy says", () => {
    const { boundary } = policiesOf(synthesized, lower);
    const { iam } = arns(lower);
    const administrator: PolicyDocumentJson = { Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
    for (const request of [
      { action: "iam:CreateRole", resource: iam("role/shop-dev-escalate") },
      { action: "iam:AttachRolePolicy", resource: iam("role/shop-dev-nodes-system") },
      { action: "sts:AssumeRole", resource: iam("role/shop-dev-deploy") },
      { action: "s3:GetObject", resource: `arn:aws:s3:::${lower.state.backend === "s3" ? lower.state.bucket : ""}/prod/prod-data.tfstate` },
    ]) {
      expect({ request, decision: evaluate(request, [administrator], boundary) }).toEqual({ request, decision: "implicit-deny" });
    }
    // The boundary still lets workloads work: the node role pulls images, the app reads its own secret.
    expect(evaluate(inRegion(lower, "ecr:BatchGetImage", arns(lower).regional("ecr", "repository/shop-dev/web")), [administrator], boundary)).toBe("allowed");
    // IAM database authentication is the rds-db service, not rds: the application's login needs it in the boundary.
    const dbUser = arns(lower).regional("rds-db", "dbuser:cluster-ABCDEFGHIJKLMNOP/web");
    expect(evaluate(inRegion(lower, "rds-db:connect", dbUser), [administrator], boundary)).toBe("allowed");
    const otherAccount = dbUser.replace(`:${lower.account.id}:`, ":999999999999:");
    expect(evaluate(inRegion(lower, "rds-db:connect", otherAccount), [administrator], boundary)).toBe("implicit-deny");
  });

  it("the attack finds the escalation path of the old deploy policy (iam:* on its own names, no boundary)", () => {
    const { iam } = arns(lower);
    const old: PolicyDocumentJson = { Statement: [{ Effect: "Allow", Action: "iam:*", Resource: [iam("role/shop-dev-*"), iam("policy/shop-dev-*")] }] };
    expect(evaluate({ action: "iam:CreateRole", resource: iam("role/shop-dev-escalate") }, [old])).toBe("allowed");
    expect(evaluate({ action: "iam:PassRole", resource: iam("role/shop-dev-escalate"), context: { "iam:PassedToService": "ec2.amazonaws.com" } }, [old])).toBe(
      "allowed",
    );
  });
});
