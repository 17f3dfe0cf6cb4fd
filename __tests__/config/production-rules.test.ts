import { validateEnvironment } from "../../config";
import { environmentInput } from "../support/environments";

type Overrides = Parameters<typeof environmentInput>[0];
/** What the loader says of an environment input: its problems, or [] when it is accepted. */
function problemsOf(overrides: Overrides): { location: string; message: string }[] {
  const result = validateEnvironment("test", "config/test.yaml", environmentInput(overrides));
  return "problems" in result ? result.problems : [];
}

const certManager = { enabled: true, acmeEmail: "ops@example.com", hostedZoneIds: ["Z0TEST000000000000003"] };
const vaultDev = { certManager, vault: { enabled: true, values: { server: { dev: { enabled: true } } } } };
const locations = (problems: { location: string }[]) => problems.map((problem) => problem.location);

describe("what free-form values and access modes may not do", () => {
  it("refuses Vault's dev mode in production and leaves it to a development tier", () => {
    expect(locations(problemsOf({ platform: vaultDev }))).toEqual(["platform.vault.values.server.dev.enabled"]);
    expect(problemsOf({ tier: "development", platform: { ...vaultDev, vault: { ...vaultDev.vault, replicas: 1 } } })).toEqual([]);
  });

  it("refuses Argo CD without authentication or with every user an admin in production", () => {
    const values = { configs: { params: { "server.disable.auth": true }, rbac: { "policy.default": "role:admin" } } };
    expect(locations(problemsOf({ platform: { argoCd: { values } } }))).toEqual([
      "platform.argoCd.values.configs.params.server.disable.auth",
      "platform.argoCd.values.configs.rbac.policy.default",
    ]);
  });

  it("refuses world-open load balancers and internet-facing Ingresses in every tier, and accepts internal or ranged ones", () => {
    const open = { grafana: { service: { type: "LoadBalancer", loadBalancerSourceRanges: ["10.0.0.0/8", "0.0.0.0/0"] } } };
    const ingress = { grafana: { ingress: { enabled: true, annotations: { "alb.ingress.kubernetes.io/scheme": "internet-facing" } } } };
    expect(locations(problemsOf({ tier: "development", platform: { kubePrometheusStack: { values: open } } }))).toEqual([
      "platform.kubePrometheusStack.values.grafana.service.type",
    ]);
    expect(locations(problemsOf({ platform: { kubePrometheusStack: { values: ingress } } }))).toEqual([
      "platform.kubePrometheusStack.values.grafana.ingress.annotations",
    ]);
    const internal = { grafana: { service: { type: "LoadBalancer", annotations: { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" } } } };
    const ranged = { grafana: { service: { type: "LoadBalancer", loadBalancerSourceRanges: ["203.0.113.0/24"] } } };
    expect(problemsOf({ platform: { kubePrometheusStack: { values: internal } } })).toEqual([]);
    expect(problemsOf({ platform: { kubePrometheusStack: { values: ranged } } })).toEqual([]);
  });
});
