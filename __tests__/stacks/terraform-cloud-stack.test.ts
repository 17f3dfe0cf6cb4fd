import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import { parse, stringify } from "yaml";
import { EnvironmentConfig, loadEnvironments } from "../../config";
import { matchesWildcard } from "../../constructs/iam/policy-document";
import { buildApp } from "../../main";
import { REPO_ROOT, SHIPPED_CONFIG_DIR, shippedByTier, testApp } from "../support/environments";
import { policyOf, resourcesOf, SynthesizedStack } from "../support/synth";

/**
 * A Terraform Cloud environment: the shipped development environment's file with `state.backend: cloud`, in a config
 * folder of its own, loaded through the real loader.
 */
function terraformCloudEnvironment(): EnvironmentConfig {
  const shipped = shippedByTier("development");
  const input = parse(fs.readFileSync(path.join(SHIPPED_CONFIG_DIR, `${shipped.name}.yaml`), "utf8")) as Record<string, unknown>;
  input.state = { backend: "cloud", organization: "acme-platform", workspacePrefix: "cdktf-" };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tfc-config-"));
  fs.writeFileSync(path.join(dir, `${shipped.name}.yaml`), stringify(input));
  const [environment] = loadEnvironments({ dir });
  return environment;
}

/** Every stack of a full app synth, as written to the output folder (cross-stack references resolved). */
function synthesizeApp(environments: EnvironmentConfig[]): { app: App; stacks: Record<string, SynthesizedStack> } {
  const app = buildApp(testApp(), environments);
  app.synth();
  const names = app.node.children.filter((child): child is TerraformStack => child instanceof TerraformStack).map((stack) => stack.node.id);
  const read = (name: string) => JSON.parse(fs.readFileSync(path.join(app.outdir, "stacks", name, "cdk.tf.json"), "utf8")) as SynthesizedStack;
  return { app, stacks: Object.fromEntries(names.map((name) => [name, read(name)])) };
}

type Values = Record<string, unknown>;
/** Resources of one type by an attribute's value, each with its logical id. */
const byName = (resources: Record<string, Values>, attribute = "name"): Record<string, Values & { id: string }> =>
  Object.fromEntries(Object.entries(resources).map(([id, values]) => [values[attribute] as string, { ...values, id }]));

/** The Terraform version the deploy pipeline sets up: Terraform Cloud runs the same. */
const pipelineTerraform = /terraform_version: (\S+)/.exec(fs.readFileSync(path.join(REPO_ROOT, ".github", "workflows", "deploy-environment.yml"), "utf8"))?.[1];

describe("a Terraform Cloud environment", () => {
  const environment = terraformCloudEnvironment();
  const { app, stacks } = synthesizeApp([environment]);
  const environmentStacks = Object.keys(stacks).filter((name) => name.startsWith(`${environment.name}-`));
  const workspaceOf = (stack: string) => `cdktf-${stack}`;
  const tfe = stacks[`bootstrap-terraform-cloud-${environment.name}`];
  const trust = stacks[`bootstrap-terraform-cloud-${environment.account.id}`];
  const workspaces = byName(resourcesOf(tfe, "tfe_workspace"));
  const settings = Object.values(resourcesOf(tfe, "tfe_workspace_settings"));
  const settingsOf = (stack: string) => settings.find((entry) => entry.workspace_id === `\${tfe_workspace.${workspaces[workspaceOf(stack)].id}.id}`)!;
  const writesIntoTheCluster = (stack: string) => ["helm", "kubernetes"].some((provider) => stacks[stack].provider?.[provider]);
  const roles = Object.values(resourcesOf(trust, "aws_iam_role"));
  const applyRole = roles.find((role) => role.name === `${environment.prefix}-tfc-apply`)!;
  const planRole = roles.find((role) => role.name === `${environment.prefix}-tfc-plan`)!;
  const roleArn = (name: string) => `arn:${environment.partition}:iam::${environment.account.id}:role/${name}`;

  it("synthesizes its stacks, each in its own workspace of the organization, and no S3 bootstrap", () => {
    const layers = ["network", "runner", "cluster", "data", "platform", ...(environment.edge ? ["edge", "delivery"] : [])];
    expect([...environmentStacks].sort()).toEqual(layers.map((layer) => `${environment.name}-${layer}`).sort());
    for (const stack of environmentStacks) {
      expect(stacks[stack].terraform?.cloud).toEqual({
        organization: "acme-platform",
        hostname: "app.terraform.io",
        workspaces: { name: workspaceOf(stack) },
      });
    }
    expect(Object.keys(stacks).filter((name) => name.startsWith("bootstrap") && !name.startsWith("bootstrap-terraform-cloud-"))).toEqual([]);
    expect(Object.keys(workspaces).sort()).toEqual(environmentStacks.map(workspaceOf).sort());
    for (const workspace of Object.values(workspaces)) {
      expect(workspace.project_id).toMatch(/^\$\{tfe_project\..*\.id\}$/);
      expect(workspace.allow_destroy_plan).toBe(!environment.isProduction);
      expect(workspace.terraform_version).toBe(pipelineTerraform);
    }
    expect(Object.values(resourcesOf(tfe, "tfe_project")).map((project) => project.name)).toEqual([environment.prefix]);
  });

  it("runs exactly the stacks that write into the cluster on the environment's agent pool, which only they may use", () => {
    const onAgents = environmentStacks.filter(writesIntoTheCluster);
    expect(onAgents.length).toBeGreaterThan(0);
    for (const stack of environmentStacks) {
      expect([stack, settingsOf(stack).execution_mode]).toEqual([stack, onAgents.includes(stack) ? "agent" : "remote"]);
    }
    const [pool] = Object.keys(resourcesOf(tfe, "tfe_agent_pool"));
    expect(resourcesOf(tfe, "tfe_agent_pool")[pool]).toMatchObject({ organization_scoped: false });
    for (const stack of onAgents) expect(settingsOf(stack).agent_pool_id).toBe(`\${tfe_agent_pool.${pool}.id}`);
    const allowed = Object.values(resourcesOf(tfe, "tfe_agent_pool_allowed_workspaces"))[0].allowed_workspace_ids as string[];
    expect(allowed.sort()).toEqual(onAgents.map((stack) => `\${tfe_workspace.${workspaces[workspaceOf(stack)].id}.id}`).sort());
  });

  it("lets every workspace read the state of each workspace its stack reads through terraform_remote_state", () => {
    let reads = 0;
    for (const reader of environmentStacks) {
      for (const remote of Object.values(stacks[reader].data?.terraform_remote_state ?? {})) {
        const upstream = ((remote.config as Values).workspaces as { name: string }).name;
        expect(remote).toMatchObject({ backend: "remote", config: { organization: "acme-platform", hostname: "app.terraform.io" } });
        const upstreamStack = environmentStacks.find((stack) => workspaceOf(stack) === upstream)!;
        expect([reader, settingsOf(upstreamStack).remote_state_consumer_ids]).toEqual([
          reader,
          expect.arrayContaining([`\${tfe_workspace.${workspaces[workspaceOf(reader)].id}.id}`]),
        ]);
        reads++;
      }
    }
    expect(reads).toBeGreaterThan(0);
    for (const entry of settings) expect(entry.global_remote_state).toBe(false);
  });

  it("gives every run of the project the dynamic credentials settings of its environment's plan and apply roles", () => {
    const variables = Object.fromEntries(Object.values(resourcesOf(tfe, "tfe_variable")).map((variable) => [variable.key, variable]));
    expect(Object.keys(variables).sort()).toEqual(["TFC_AWS_APPLY_ROLE_ARN", "TFC_AWS_PLAN_ROLE_ARN", "TFC_AWS_PROVIDER_AUTH"]);
    expect(variables.TFC_AWS_PROVIDER_AUTH).toMatchObject({ value: "true", category: "env" });
    expect(variables.TFC_AWS_APPLY_ROLE_ARN).toMatchObject({ value: roleArn(`${environment.prefix}-tfc-apply`), category: "env" });
    expect(variables.TFC_AWS_PLAN_ROLE_ARN).toMatchObject({ value: roleArn(`${environment.prefix}-tfc-plan`), category: "env" });
    expect(Object.values(resourcesOf(tfe, "tfe_variable_set"))).toEqual([expect.objectContaining({ priority: true })]);
    expect(Object.keys(resourcesOf(tfe, "tfe_project_variable_set"))).toHaveLength(1);
    expect(tfe.provider?.aws).toBeUndefined();
    expect(tfe.terraform?.backend).toEqual({
      local: { path: expect.stringMatching(new RegExp(`state/bootstrap-terraform-cloud-${environment.name}\\.tfstate$`)) },
    });
  });

  it("trusts the apply role to the apply phase and the plan role to the plan phase of exactly the environment's workspaces", () => {
    const subjects = (phase: string) =>
      environmentStacks.map((stack) => `organization:acme-platform:project:${environment.prefix}:workspace:${workspaceOf(stack)}:run_phase:${phase}`).sort();
    for (const [role, phase] of [
      [applyRole, "apply"],
      [planRole, "plan"],
    ] as const) {
      const [statement, ...others] = policyOf(role, "assume_role_policy").Statement;
      expect(others).toEqual([]);
      expect(statement).toMatchObject({
        Effect: "Allow",
        Action: "sts:AssumeRoleWithWebIdentity",
        Principal: { Federated: expect.stringMatching(/aws_iam_openid_connect_provider/) },
      });
      const condition = (statement.Condition as Record<string, Record<string, string | string[]>>).StringEquals;
      expect(condition["app.terraform.io:aud"]).toBe("aws.workload.identity");
      expect([...(condition["app.terraform.io:sub"] as string[])].sort()).toEqual(subjects(phase));
    }
    expect(Object.values(resourcesOf(trust, "aws_iam_openid_connect_provider"))).toEqual([
      expect.objectContaining({ url: "https://app.terraform.io", client_id_list: ["aws.workload.identity"] }),
    ]);
  });

  it("keeps the plan role read-only and the apply role unable to escape the boundary or change itself", () => {
    const [planPolicy] = Object.values(resourcesOf(trust, "aws_iam_role_policy")).filter((policy) => policy.name === "plan");
    const planActions = policyOf(planPolicy)
      .Statement.filter((statement) => statement.Effect === "Allow")
      .flatMap((statement) => [statement.Action].flat() as string[]);
    expect(planActions.filter((action) => !/:(Describe|Get|List)\*?/.test(action) && action !== "sts:GetCallerIdentity")).toEqual([]);
    const [applyPolicy] = Object.values(resourcesOf(trust, "aws_iam_role_policy")).filter((policy) => policy.name === "apply");
    const statements = policyOf(applyPolicy).Statement;
    const boundaryArn = `arn:${environment.partition}:iam::${environment.account.id}:policy/${environment.prefix}-boundary`;
    expect(statements.find((statement) => statement.Sid === "CreateRolesOnlyUnderTheBoundary")).toMatchObject({
      Condition: { StringEquals: { "iam:PermissionsBoundary": boundaryArn } },
    });
    expect(statements.find((statement) => statement.Sid === "NeverChangeItselfThePlanRoleOrTheBoundary")).toMatchObject({
      Effect: "Deny",
      Action: "iam:*",
      Resource: [roleArn(`${environment.prefix}-tfc-apply`), roleArn(`${environment.prefix}-tfc-plan`), boundaryArn],
    });
    const allowedIam = statements.filter((statement) => statement.Effect === "Allow").flatMap((statement) => [statement.Action].flat() as string[]);
    const serviceLinked = statements.filter((statement) => [statement.Action].flat().includes("iam:CreateServiceLinkedRole"));
    expect(serviceLinked).toEqual([
      expect.objectContaining({ Condition: { StringEquals: { "iam:AWSServiceName": expect.arrayContaining(["ecs.amazonaws.com"]) } } }),
    ]);
    expect(allowedIam).not.toContain("iam:*");
    expect(allowedIam).not.toContain("*");
  });

  it("lets the apply role do what applying the environment takes, as the GitHub deploy role may: pass the Enhanced Monitoring role to RDS, keep the cluster's OIDC provider current", () => {
    const [applyPolicy] = Object.values(resourcesOf(trust, "aws_iam_role_policy")).filter((policy) => policy.name === "apply");
    const statements = policyOf(applyPolicy).Statement;
    expect(statements.find((statement) => statement.Sid === "PassTheEnhancedMonitoringRoleToRds")).toMatchObject({
      Action: "iam:PassRole",
      Resource: roleArn(`${environment.prefix}-rds-monitoring`),
      Condition: { StringEquals: { "iam:PassedToService": ["rds.amazonaws.com", "monitoring.rds.amazonaws.com"] } },
    });
    const allowed = statements.filter((statement) => statement.Effect === "Allow").flatMap((statement) => [statement.Action].flat() as string[]);
    expect(allowed).toEqual(expect.arrayContaining(["iam:UpdateOpenIDConnectProviderThumbprint", "iam:SetDefaultPolicyVersion", "ecs:*"]));
  });

  it("puts the environment's boundary on every role its stacks create", () => {
    const boundaryArn = `arn:${environment.partition}:iam::${environment.account.id}:policy/${environment.prefix}-boundary`;
    const created = environmentStacks.flatMap((stack) => Object.values(resourcesOf(stacks[stack], "aws_iam_role")));
    expect(created.length).toBeGreaterThan(0);
    expect(created.filter((role) => role.permissions_boundary !== boundaryArn).map((role) => role.name)).toEqual([]);
  });

  it("lets the boundary allow every action the environment's own role policies grant", () => {
    const [boundary] = Object.values(resourcesOf(trust, "aws_iam_policy")).filter((policy) => policy.name === `${environment.prefix}-boundary`);
    const bounded = policyOf(boundary)
      .Statement.filter((statement) => statement.Effect === "Allow")
      .flatMap((statement) => [statement.Action].flat() as string[]);
    const granted = environmentStacks.flatMap((stack) =>
      ["aws_iam_role_policy", "aws_iam_policy"].flatMap((type) =>
        Object.values(resourcesOf(stacks[stack], type))
          .filter((policy) => typeof policy.policy === "string" && policy.policy.startsWith("{"))
          .flatMap((policy) => policyOf(policy).Statement.filter((statement) => statement.Effect === "Allow"))
          .flatMap((statement) => [statement.Action].flat() as string[]),
      ),
    );
    expect(granted.length).toBeGreaterThan(0);
    expect([...new Set(granted.filter((action) => !bounded.some((pattern) => matchesWildcard(pattern, action, true))))]).toEqual([]);
  });

  it("admits the apply role as cluster admin and the plan role as viewer, and the agents' security group to the API", () => {
    const cluster = stacks[`${environment.name}-cluster`];
    const entries = byName(resourcesOf(cluster, "aws_eks_access_entry"), "principal_arn");
    const policies = Object.values(resourcesOf(cluster, "aws_eks_access_policy_association"));
    const policyOfEntry = (principal: string) =>
      policies.find((association) => association.principal_arn === `\${aws_eks_access_entry.${entries[principal]?.id}.principal_arn}`)?.policy_arn;
    expect(policyOfEntry(roleArn(`${environment.prefix}-tfc-apply`))).toMatch(/\/AmazonEKSClusterAdminPolicy$/);
    expect(policyOfEntry(roleArn(`${environment.prefix}-tfc-plan`))).toMatch(/\/AmazonEKSAdminViewPolicy$/);
    // The control plane admits the agents' security group, read from the runner stack's state.
    const ingress = Object.values(resourcesOf(cluster, "aws_vpc_security_group_ingress_rule"));
    expect(
      ingress.filter((rule) => /terraform_remote_state\.[^.]*-runner\.outputs\..*Agents_SecurityGroup/.test(String(rule.referenced_security_group_id))),
    ).toEqual([expect.objectContaining({ from_port: 443, to_port: 443, ip_protocol: "tcp" })]);
  });

  it("hands the AWS CLI of the exec credentials the run's dynamic credentials in every stack that writes into the cluster", () => {
    const onAgents = environmentStacks.filter(writesIntoTheCluster);
    for (const stack of onAgents) {
      const synthesized = stacks[stack] as SynthesizedStack & { variable?: Record<string, Values> };
      expect(synthesized.variable?.tfc_aws_dynamic_credentials?.type).toMatch(/default\s*=\s*object\(\{\s*shared_config_file\s*=\s*string\s*\}\)/);
      const [kubernetes] = synthesized.provider!.kubernetes;
      const [helm] = synthesized.provider!.helm;
      for (const exec of [(kubernetes.exec as Values[])[0], (helm.kubernetes as Values).exec as Values]) {
        expect(exec.command).toBe("env");
        expect((exec.args as string[]).slice(0, 4)).toEqual([
          "AWS_CONFIG_FILE=${var.tfc_aws_dynamic_credentials.default.shared_config_file}",
          "aws",
          "eks",
          "get-token",
        ]);
      }
    }
  });

  it("uploads the platform's local chart with the workspace: its path is inside the stack's folder", () => {
    const platform = `${environment.name}-platform`;
    const local = Object.values(resourcesOf(stacks[platform], "helm_release"))
      .map((release) => release.chart as string)
      .filter((chart) => chart.startsWith("."));
    expect(local.length).toBeGreaterThan(0);
    const folder = path.join(app.outdir, "stacks", platform);
    for (const chart of new Set(local)) {
      expect(path.resolve(folder, chart).startsWith(folder + path.sep)).toBe(true);
      expect(fs.existsSync(path.join(folder, chart, "Chart.yaml"))).toBe(true);
    }
  });
});

describe("an S3-backed environment", () => {
  const environment = shippedByTier("development");
  const { stacks } = synthesizeApp([environment]);

  it("gets no Terraform Cloud stack, no tfc roles and exec credentials straight from `aws`", () => {
    expect(Object.keys(stacks).filter((name) => name.includes("terraform-cloud"))).toEqual([]);
    const [kubernetes] = stacks[`${environment.name}-platform`].provider!.kubernetes;
    expect((kubernetes.exec as Values[])[0].command).toBe("aws");
    const principals = Object.values(resourcesOf(stacks[`${environment.name}-cluster`], "aws_eks_access_entry")).map((entry) => entry.principal_arn);
    expect(principals.filter((principal) => String(principal).includes("-tfc-"))).toEqual([]);
  });
});
