import * as fs from "fs";
import * as path from "path";
import { parse, parseAllDocuments } from "yaml";
import { Testing } from "cdktf";
// The type declarations of the cdktf matchers that __tests__/support/setup.ts installs.
import "cdktf/lib/testing/adapters/jest";
import { Release } from "@cdktf/provider-helm/lib/release";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { testEnvironment, REPO_ROOT } from "../../support/environments";
import { platformStack } from "../../support/platform";
import { resourcesOf, synthStack, policyOf } from "../../support/synth";

const environment = testEnvironment();
const synthesized = synthStack(platformStack(environment));
const synthesizedJson = Testing.synth(platformStack(environment));
const releases = Object.values(resourcesOf(synthesized, "helm_release"));
const collector = releases.find((release) => release.chart === "opentelemetry-collector");
const values = parse(((collector?.values as string[] | undefined) ?? [])[0] ?? "{}") as {
  image: { repository: string };
  config: {
    exporters: Record<string, { region?: string } | null>;
    service: { pipelines: Record<string, { receivers: string[]; exporters: string[] } | null> };
  };
  serviceAccount: { name: string; annotations: Record<string, string> };
  ports: Record<string, { enabled: boolean }>;
};

describe("the OpenTelemetry Collector add-on", () => {
  test("is installed from the pinned upstream chart with the contrib image, which has the awsxray exporter", () => {
    expect(synthesizedJson).toHaveResourceWithProperties(Release, {
      chart: "opentelemetry-collector",
      version: "0.170.0",
      namespace: "opentelemetry",
      name: "opentelemetry-collector",
    });
    expect(values.image.repository).toBe("otel/opentelemetry-collector-contrib");
  });

  test("sends OTLP traces, and only traces, to X-Ray in the environment's region", () => {
    expect(values.config.service.pipelines.traces).toEqual(expect.objectContaining({ receivers: ["otlp"], exporters: ["awsxray"] }));
    expect(values.config.service.pipelines.metrics).toBeNull();
    expect(values.config.service.pipelines.logs).toBeNull();
    expect(values.config.exporters.awsxray).toEqual({ region: environment.account.region });
    expect(values.ports["jaeger-grpc"]).toEqual({ enabled: false });
  });

  test("its IRSA role may write to X-Ray and do nothing else", () => {
    const policies = Object.values(resourcesOf(synthesized, "aws_iam_role_policy")).filter((policy) => JSON.stringify(policy).includes("xray:"));
    expect(policies).toHaveLength(1);
    const actions = policyOf(policies[0] ?? {}).Statement.flatMap((statement) => statement.Action as string[]);
    expect(actions.every((action) => action.startsWith("xray:Put") || action.startsWith("xray:GetSampling"))).toBe(true);
    expect(actions).not.toContain("xray:*");
    expect(values.serviceAccount.annotations["eks.amazonaws.com/role-arn"]).toBeDefined();
    expect(synthesizedJson).toHaveResource(IamRolePolicy);
  });

  test("is the endpoint the application's Rollout exports to, and its NetworkPolicy lets it", () => {
    const base = path.join(REPO_ROOT, "gitops", "base");
    const rollout = parse(fs.readFileSync(path.join(base, "rollout.yaml"), "utf8")) as {
      spec: { template: { spec: { containers: Array<{ env: Array<{ name: string; value?: string }> }> } } };
    };
    const endpoint = rollout.spec.template.spec.containers[0]?.env.find((entry) => entry.name === "OTEL_EXPORTER_OTLP_ENDPOINT")?.value;
    // The chart names its Service after the release when the release name contains the chart's name.
    expect(endpoint).toBe(`http://${String(collector?.name)}.${String(collector?.namespace)}.svc:4318`);
    const policies = parseAllDocuments(fs.readFileSync(path.join(base, "network-policy.yaml"), "utf8")).map((document) => document.toJS()) as Array<{
      metadata: { name: string };
      spec: { egress?: Array<{ to: Array<{ namespaceSelector?: { matchLabels: Record<string, string> } }>; ports: Array<{ port: number }> }> };
    }>;
    const egress = policies.find((policy) => policy.metadata.name === "web")?.spec.egress ?? [];
    expect(
      egress.some(
        (rule) =>
          rule.to.some((peer) => peer.namespaceSelector?.matchLabels["kubernetes.io/metadata.name"] === collector?.namespace) &&
          rule.ports.some((port) => port.port === 4318),
      ),
    ).toBe(true);
  });
});
