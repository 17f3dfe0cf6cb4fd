import { validateEnvironment } from "../../config";
import { environmentInput } from "../support/environments";

type Overrides = Parameters<typeof environmentInput>[0];

/** The one-line problems of an input, as `<location>: <message>`. */
function problemsOf(overrides: Overrides): string[] {
  const result = validateEnvironment("test", "config/test.yaml", environmentInput(overrides));
  return "problems" in result ? result.problems.map((problem) => `${problem.location}: ${problem.message}`) : [];
}

describe("platform config", () => {
  test("a minimal environment is valid: add-ons that need zones or e-mails are off until configured", () => {
    const result = validateEnvironment("test", "config/test.yaml", environmentInput());
    expect("environment" in result && result.environment.platform.certManager.enabled).toBe(false);
    expect("environment" in result && result.environment.platform.vault.replicas).toBe(3);
  });

  test("cert-manager needs an ACME e-mail and a hosted zone", () => {
    expect(problemsOf({ platform: { certManager: { enabled: true } } })).toEqual([
      "platform.certManager.acmeEmail: is required when cert-manager is enabled (Let's Encrypt account)",
      "platform.certManager.hostedZoneIds: needs at least one Route53 zone for DNS-01 challenges when cert-manager is enabled",
    ]);
  });

  test("external-dns needs zones and domain filters", () => {
    expect(problemsOf({ platform: { externalDns: { enabled: true, hostedZoneIds: ["Z0123456789ABC"] } } })).toEqual([
      "platform.externalDns: needs hostedZoneIds and domainFilters when enabled, so it can only change the zones it owns",
    ]);
  });

  test("the autoscaler's expander is one of the known strategies", () => {
    const [problem] = problemsOf({ platform: { clusterAutoscaler: { expander: "cheapest" as never } } });
    expect(problem).toMatch(/^platform\.clusterAutoscaler\.expander: .*least-waste/);
  });

  test("secrets are named, never given as values", () => {
    const [problem] = problemsOf({ platform: { kubePrometheusStack: { grafana: { adminSecretName: "hunter2 is my password" } } } });
    expect(problem).toMatch(/^platform\.kubePrometheusStack\.grafana\.adminSecretName: must be a Secrets Manager secret name/);
  });

  test("Grafana, receivers and SSO need External Secrets to deliver their secrets", () => {
    const problems = problemsOf({
      platform: {
        externalSecrets: { enabled: false },
        argoCd: { sso: { issuer: "https://login.example.com", clientId: "argocd", clientSecretName: "shop/argocd-oidc", groups: { admin: ["ops"] } } },
      },
    });
    expect(problems).toEqual([
      "platform.kubePrometheusStack.enabled: Grafana's generated admin secret (never the chart default) is delivered by External Secrets; enable platform.externalSecrets or remove it",
      "platform.argoCd.sso.clientSecretName: the OIDC client secret is delivered by External Secrets; enable platform.externalSecrets or remove it",
    ]);
  });

  test("alert receiver names are unique", () => {
    const receiver = { name: "team", type: "slack" as const, secretName: "shop/slack" };
    expect(problemsOf({ platform: { kubePrometheusStack: { alertmanager: { receivers: [receiver, receiver] } } } })).toEqual([
      'platform.kubePrometheusStack.alertmanager.receivers[1].name: "team" is used twice; receiver names must be unique',
    ]);
  });

  test("an email receiver needs its SMTP settings, and only email receivers have them", () => {
    const email = { to: ["oncall@example.com"], from: "am@example.com", smarthost: "smtp.example.com:587" };
    expect(
      problemsOf({
        platform: {
          kubePrometheusStack: {
            alertmanager: {
              receivers: [
                { name: "mail", type: "email", secretName: "shop/smtp" },
                { name: "chat", type: "slack", secretName: "shop/slack", email },
                { name: "ok", type: "email", secretName: "shop/smtp", email },
              ],
            },
          },
        },
      }),
    ).toEqual([
      "platform.kubePrometheusStack.alertmanager.receivers[0].email: is required for an email receiver (to, from, smarthost)",
      "platform.kubePrometheusStack.alertmanager.receivers[1].email: is only for email receivers, not slack",
    ]);
  });

  test("Vault runs 1 server or a Raft quorum, and at least 3 in production", () => {
    const certManager = { enabled: true, acmeEmail: "ops@shop.example.com", hostedZoneIds: ["Z0TEST000000000000001"] };
    expect(problemsOf({ tier: "staging", platform: { certManager, vault: { enabled: true, replicas: 2 } } })).toEqual([
      "platform.vault.replicas: must be 1 (standalone) or at least 3: a Raft cluster of 2 loses quorum when either server fails",
    ]);
    expect(problemsOf({ platform: { certManager, vault: { enabled: true, replicas: 1 } } })).toEqual([
      "platform.vault.replicas: must be at least 3 in a production tier (HA Raft survives losing one server)",
    ]);
  });

  test("the Image Updater needs Argo CD, and Elasticsearch needs Fluent Bit", () => {
    expect(problemsOf({ platform: { argoCd: { enabled: false }, elasticsearch: { enabled: true }, fluentBit: { enabled: false } } })).toEqual([
      "platform.argocdImageUpdater.enabled: needs platform.argoCd: the image updater changes Argo CD applications",
      "platform.elasticsearch.enabled: needs platform.fluentBit: Fluent Bit is what ships logs to Elasticsearch",
    ]);
  });

  test("unknown add-on settings are rejected", () => {
    const [problem] = problemsOf({ platform: { vault: { replica: 3 } as never } });
    expect(problem).toMatch(/^platform\.vault/);
  });
});
