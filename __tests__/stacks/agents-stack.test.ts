import { NetworkStack } from "../../stacks/network-stack";
import { TerraformCloudAgentsStack } from "../../stacks/agents-stack";
import { testApp, testEnvironment } from "../support/environments";
import { onlyResource, policyOf, resourcesOf, synthStack } from "../support/synth";

type Values = Record<string, unknown>;

describe("TerraformCloudAgentsStack", () => {
  const environment = testEnvironment({ state: { backend: "cloud", organization: "acme", agents: { count: 2 } } }, "qa");
  const app = testApp();
  const network = new NetworkStack(app, environment);
  const stack = new TerraformCloudAgentsStack(app, environment, { network: network.network });
  const synthesized = synthStack(stack);
  const service = onlyResource(synthesized, "aws_ecs_service");
  const task = onlyResource(synthesized, "aws_ecs_task_definition");
  const [container] = JSON.parse(task.container_definitions as string) as Values[];
  const secret = Object.keys(resourcesOf(synthesized, "aws_secretsmanager_secret"))[0];

  it("is the environment's runner stack", () => {
    expect(stack.node.id).toBe("qa-runner");
  });

  it("runs the configured number of agents on Fargate in the private subnets, without a public address", () => {
    expect(service).toMatchObject({ launch_type: "FARGATE", desired_count: 2 });
    const networkConfiguration = service.network_configuration as Values;
    expect(networkConfiguration.assign_public_ip).toBe(false);
    expect(networkConfiguration.subnets).toHaveLength(environment.network.availabilityZones.length);
    for (const subnet of networkConfiguration.subnets as string[]) expect(subnet).toMatch(/PrivateSubnet-/);
  });

  it("registers with the configured host, one run per container, with the token read from Secrets Manager at start", () => {
    expect(container.environment).toEqual(
      expect.arrayContaining([
        { name: "TFC_ADDRESS", value: "https://app.terraform.io" },
        { name: "TFC_AGENT_SINGLE", value: "true" },
      ]),
    );
    expect(container.secrets).toEqual([{ name: "TFC_AGENT_TOKEN", valueFrom: `\${aws_secretsmanager_secret.${secret}.arn}` }]);
    expect(JSON.stringify(container.environment)).not.toMatch(/TOKEN/);
    expect(resourcesOf(synthesized, "aws_secretsmanager_secret_version")).toEqual({});
  });

  it("gives the tasks no AWS role, and the execution role only the image, the token and the logs", () => {
    expect(task.task_role_arn).toBeUndefined();
    const statements = policyOf(onlyResource(synthesized, "aws_iam_role_policy")).Statement;
    const wildcard = statements.filter((statement) => statement.Resource === "*").flatMap((statement) => [statement.Action].flat());
    expect(wildcard).toEqual(["ecr:GetAuthorizationToken"]);
    expect(statements.find((statement) => statement.Action === "secretsmanager:GetSecretValue")?.Resource).toBe(`\${aws_secretsmanager_secret.${secret}.arn}`);
    expect(policyOf(onlyResource(synthesized, "aws_iam_role"), "assume_role_policy").Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: "ecs-tasks.amazonaws.com" },
        Condition: { StringEquals: { "aws:SourceAccount": environment.account.id } },
      }),
    ]);
  });

  it("lets the agents out on HTTPS only, and in on nothing", () => {
    const egress = Object.values(resourcesOf(synthesized, "aws_vpc_security_group_egress_rule"));
    expect(egress.map((rule) => [rule.ip_protocol, rule.from_port, rule.to_port])).toEqual([["tcp", 443, 443]]);
    expect(resourcesOf(synthesized, "aws_vpc_security_group_ingress_rule")).toEqual({});
  });

  it("encrypts the token and the logs with its own key and keeps images immutable and scanned", () => {
    const key = Object.keys(resourcesOf(synthesized, "aws_kms_key"))[0];
    expect(resourcesOf(synthesized, "aws_secretsmanager_secret")[secret].kms_key_id).toBe(`\${aws_kms_key.${key}.arn}`);
    expect(onlyResource(synthesized, "aws_cloudwatch_log_group").kms_key_id).toBe(`\${aws_kms_key.${key}.arn}`);
    expect(onlyResource(synthesized, "aws_ecr_repository")).toMatchObject({
      name: `${environment.prefix}/tfc-agent`,
      image_tag_mutability: "IMMUTABLE",
      image_scanning_configuration: { scan_on_push: true },
    });
  });

  it("refuses an environment whose state is in S3", () => {
    const s3 = testEnvironment({}, "other");
    const other = testApp();
    expect(() => new TerraformCloudAgentsStack(other, s3, { network: new NetworkStack(other, s3).network })).toThrow(
      "config/other.yaml: state: Terraform Cloud agents need state.backend cloud",
    );
  });
});
