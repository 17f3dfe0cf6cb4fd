import { buildApp } from "../../main";
import { TerraformStack } from "cdktf";
import { testApp, testEnvironment } from "../support/environments";
import { synthStack, SynthesizedStack } from "../support/synth";

/** A fixture environment with a database, the edge and delivery, synthesized as main.ts builds it. */
const environment = testEnvironment({
  edge: {
    domainName: "shop.example.com",
    gitops: { repoURL: "https://github.com/acme/shop.git", repoCredentialsSecret: "shop-test/argocd/repository" },
  },
});
const app = buildApp(testApp(), [environment]);
const stacks = new Map<string, SynthesizedStack>(
  app.node.children.filter((child): child is TerraformStack => child instanceof TerraformStack).map((stack) => [stack.node.id, synthStack(stack)]),
);
const stack = (layer: string) => stacks.get(`${environment.name}-${layer}`)!;

/** Every IAM policy document of every stack, with where it comes from. */
function policyResources(): { where: string; resource: string }[] {
  const found: { where: string; resource: string }[] = [];
  for (const [name, synthesized] of stacks) {
    for (const type of ["aws_iam_role_policy", "aws_iam_policy"]) {
      for (const [id, policy] of Object.entries(synthesized.resource?.[type] ?? {})) {
        for (const statement of JSON.parse(String(policy.policy)).Statement) {
          for (const resource of [statement.Resource ?? []].flat()) found.push({ where: `${name}/${id}`, resource: String(resource) });
        }
      }
    }
  }
  return found;
}

describe("break 2: the Aurora master secret", () => {
  test("no IAM resource wraps an ARN (literal or a reference to an ARN attribute) inside a hand-built ARN", () => {
    const resources = policyResources();
    expect(resources.length).toBeGreaterThan(0);
    // A reference to an id inside an ARN (rds-db's cluster_resource_id) is how that ARN is made; an ARN inside one is not.
    const malformed = resources.filter(({ resource }) => /^arn:/.test(resource) && (/\$\{[^}]*arn\}/.test(resource) || resource.lastIndexOf("arn:") > 0));
    expect(malformed).toEqual([]);
  });

  test("is delivered nowhere: the application authenticates to Aurora with IAM, so no workload consumes it", () => {
    const platform = JSON.stringify(stack("platform"));
    expect(platform).not.toContain("master_user_secret");
    expect(platform).not.toContain("database-credentials");
  });
});

describe("break 1: the delivery layer's repository credentials are granted to the store that reads them", () => {
  test("the argocd SecretStore's role reads the repository secret the platform creates", () => {
    const platform = stack("platform");
    const [secretId] = Object.entries(platform.resource?.aws_secretsmanager_secret ?? {}).find(([, secret]) => secret.name === "shop-test/argocd/repository")!;
    const policy = Object.entries(platform.resource?.aws_iam_role_policy ?? {}).find(([id]) => id.includes("Store-argocd"))![1];
    const read = JSON.parse(String(policy.policy)).Statement.find((statement: { Sid: string }) => statement.Sid === "ReadThisNamespacesSecrets");
    expect(read.Resource).toContain(`\${aws_secretsmanager_secret.${secretId}.arn}`);
    const delivery = JSON.stringify(stack("delivery"));
    expect(delivery).toContain('"secretStoreRef":{"kind":"SecretStore","name":"aws-secrets-manager"}');
  });
});
