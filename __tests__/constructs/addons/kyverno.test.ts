import { Testing } from "cdktf";
// The type declarations of the cdktf matchers that __tests__/support/setup.ts installs.
import "cdktf/lib/testing/adapters/jest";
import { Release } from "@cdktf/provider-helm/lib/release";
import { environmentInput, shippedByTier, shippedEnvironments, testEnvironment } from "../../support/environments";
import { validateEnvironment } from "../../../config";
import { Json, platformStack, SynthesizedPlatform, synthPlatform } from "../../support/platform";
import { synthStack } from "../../support/synth";
import { matches, parsePromql, selectorsOf } from "../../support/promql";
import { podPlacement } from "../../../constructs/cluster/node-group";
import type { EnvironmentConfig } from "../../../config";

/** The ClusterPolicies and PolicyExceptions the environment's Kyverno manifests release applies, by name. */
function kyvernoObjects(environment: EnvironmentConfig): { policies: Record<string, Json>; exceptions: Record<string, Json> } {
  const objects = synthPlatform(environment).manifests("kyverno-config");
  const byName = (kind: string) => Object.fromEntries(objects.filter((object) => object.kind === kind).map((object) => [object.metadata.name, object]));
  return { policies: byName("ClusterPolicy"), exceptions: byName("PolicyException") };
}

const rules = (policy: Json): Json[] => policy.spec.rules as Json[];
const actions = (policy: Json): string[] => [...new Set(rules(policy).map((rule) => rule.validate.failureAction as string))];
const ecrOf = (environment: EnvironmentConfig) => `${environment.account.id}.dkr.ecr.${environment.account.region}.amazonaws.com`;

/** The policies whose violations must be refused in enforce mode, and the two that only report (audit-only). */
const DENYING = ["platform-pod-security", "platform-image-registries", "platform-image-tags"];
const REPORTING = ["platform-container-resources", "platform-workload-probes"];

describe("Kyverno's release", () => {
  const production = shippedByTier("production");
  const values = synthPlatform(production).values("kyverno");
  // The system pool's labels and capacity type, from the environment's node groups.
  const systemPool = podPlacement(production.cluster.nodeGroups.system);

  it("is a Helm release of the pinned chart, atomic, and its policies a release of their own", () => {
    const synthesized = Testing.synth(platformStack(production));
    expect(synthesized).toHaveResourceWithProperties(Release, { name: "kyverno", chart: "kyverno", version: "3.9.0", namespace: "kyverno", atomic: true });
    expect(synthesized).toHaveResourceWithProperties(Release, { name: "kyverno-config", namespace: "kyverno", atomic: true });
  });

  it("pins the chart and installs into a restricted namespace after the Prometheus operator's CRDs", () => {
    const platform = synthPlatform(production);
    const release = platform.release("kyverno");
    expect([release.chart, release.version, release.repository, release.namespace]).toEqual([
      "kyverno",
      "3.9.0",
      "https://kyverno.github.io/kyverno/",
      "kyverno",
    ]);
    expect(platform.waitsFor("kyverno", "kubePrometheusStack")).toBe(production.platform.kubePrometheusStack.enabled);
    const namespace = platform.resources("kubernetes_namespace_v1").find((candidate) => candidate.metadata.name === "kyverno");
    expect(namespace?.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
  });

  it("runs three admission controllers in production, spread over zones, with a PodDisruptionBudget, on the system pool", () => {
    const admission = values.admissionController;
    expect(admission.replicas).toBe(3);
    expect(admission.podDisruptionBudget).toEqual({ enabled: true, minAvailable: 1 });
    expect(admission.topologySpreadConstraints.map((constraint: Json) => constraint.topologyKey)).toContain("topology.kubernetes.io/zone");
    expect(admission.nodeSelector).toEqual(systemPool.nodeSelector);
    expect(admission.container.resources.limits.memory).toBeDefined();
  });

  it("runs the background, reports and cleanup controllers with the restricted pod context on the system pool", () => {
    for (const controller of ["backgroundController", "reportsController", "cleanupController"]) {
      expect(values[controller].enabled).toBe(true);
      expect(values[controller].podSecurityContext).toEqual(expect.objectContaining({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } }));
      expect(values[controller].nodeSelector).toEqual(systemPool.nodeSelector);
    }
  });

  it("places its hook Jobs (webhook removal, scale to zero, CRD migration) on the system pool too", () => {
    for (const hook of [values.webhooksCleanup, values.crds.migration]) {
      expect(hook.nodeSelector).toEqual(systemPool.nodeSelector);
      expect(hook.podSecurityContext).toEqual(expect.objectContaining({ runAsNonRoot: true }));
    }
  });

  it("keeps its webhooks off kube-system and its own namespace, so an outage of Kyverno blocks neither", () => {
    expect(values.config.excludeKyvernoNamespace).toBe(true);
    expect(values.config.webhooks.namespaceSelector.matchExpressions).toContainEqual({
      key: "kubernetes.io/metadata.name",
      operator: "NotIn",
      values: expect.arrayContaining(["kube-system"]),
    });
    // The pre-delete hook removes the webhook configurations before the release's pods go (teardown).
    expect(values.webhooksCleanup.enabled).toBe(true);
  });

  it("has its controllers scraped and alerts on denials and violations when Prometheus is installed", () => {
    for (const controller of ["admissionController", "backgroundController", "reportsController", "cleanupController"]) {
      expect(values[controller].serviceMonitor.enabled).toBe(production.platform.kubePrometheusStack.enabled);
    }
    const alerts = values.prometheusRule.spec.flatMap((group: Json) => group.rules as Json[]);
    expect(values.prometheusRule.enabled).toBe(production.platform.kubePrometheusStack.enabled);
    expect(alerts.map((rule: Json) => rule.alert)).toEqual(expect.arrayContaining(["KyvernoAdmissionDenied", "KyvernoPolicyViolations"]));
    // The admission controller's metrics Service as the chart names it for the release `kyverno` (kyverno-svc-metrics).
    expect(alerts.find((rule: Json) => rule.alert === "KyvernoAdmissionControllerDown").expr).toContain('service="kyverno-svc-metrics"');
    for (const rule of alerts.filter(
      (candidate: Json) => String(candidate.alert).startsWith("KyvernoAdmission") && candidate.alert !== "KyvernoAdmissionControllerDown",
    )) {
      expect(rule.expr).toContain('policy_validation_mode="enforce"');
    }
  });
});

/**
 * The labels of what the alerts read: Kyverno 1.19's `kyverno_policy_results` counter (pkg/metrics/policy_engine.go,
 * exported as `_total`), and `up` of a target the Prometheus operator scrapes through a ServiceMonitor.
 */
const METRIC_LABELS: Record<string, readonly string[]> = {
  kyverno_policy_results_total: [
    "policy_validation_mode",
    "policy_type",
    "policy_background_mode",
    "policy_namespace",
    "policy_name",
    "resource_kind",
    "resource_namespace",
    "resource_request_operation",
    "rule_name",
    "rule_result",
    "rule_type",
    "rule_execution_cause",
    "dry_run",
  ],
  up: ["namespace", "service", "job", "pod", "instance", "endpoint"],
};

describe("Kyverno's alerts", () => {
  const alerts = synthPlatform(shippedByTier("production"))
    .values("kyverno")
    .prometheusRule.spec.flatMap((group: Json) => group.rules as Json[]) as Json[];

  it.each(alerts.map((rule) => [rule.alert as string, rule] as const))("%s reads only labels its metric has, with values Kyverno writes", (_alert, rule) => {
    for (const selector of selectorsOf(parsePromql(rule.expr as string))) {
      for (const matcher of selector.matchers)
        expect([selector.metric, matcher.label, METRIC_LABELS[selector.metric!]?.includes(matcher.label)]).toEqual([selector.metric, matcher.label, true]);
      const value = (label: string, written: string) => {
        const matcher = selector.matchers.find((candidate) => candidate.label === label);
        return matcher === undefined || matches(matcher, written);
      };
      // pkg/metrics/common_types.go: rule results and causes are lower-case words.
      expect(value("rule_result", "fail")).toBe(true);
    }
  });

  it("tells a denial in enforce mode from a failure the background scan found", () => {
    const denied = selectorsOf(parsePromql(alerts.find((rule) => rule.alert === "KyvernoAdmissionDenied")!.expr as string))[0];
    const cause = (selector: typeof denied) => selector.matchers.find((matcher) => matcher.label === "rule_execution_cause")!;
    expect(matches(cause(denied), "admission_request")).toBe(true);
    expect(
      matches(
        denied.matchers.find((matcher) => matcher.label === "policy_validation_mode")!,
        "enforce",
      ),
    ).toBe(true);
    const violations = selectorsOf(parsePromql(alerts.find((rule) => rule.alert === "KyvernoPolicyViolations")!.expr as string))[0];
    expect(matches(cause(violations), "background_scan")).toBe(true);
  });
});

describe("the platform's ClusterPolicies", () => {
  it.each(shippedEnvironments().map((environment) => [environment.name, environment] as const))(
    "%s: every rule is present, scans in the background and leaves only kube-system, kyverno and GuardDuty's agent out",
    (_name, environment) => {
      const { policies } = kyvernoObjects(environment);
      expect(Object.keys(policies).sort()).toEqual([...DENYING, ...REPORTING].sort());
      for (const policy of Object.values(policies)) {
        expect(policy.spec.background).toBe(true);
        for (const rule of rules(policy)) expect(rule.exclude.any[0].resources.namespaces).toEqual(["kube-system", "kyverno", "amazon-guardduty"]);
      }
    },
  );

  // The tier's default, in every shipped environment that leaves platform.kyverno.mode unset.
  const byDefault = [
    ...shippedEnvironments().filter((environment) => environment.platform.kyverno.mode === undefined),
    testEnvironment({}, "tierproduction"),
    testEnvironment({ tier: "staging" }, "tierstaging"),
  ];

  it.each(byDefault.filter((environment) => environment.isProduction).map((environment) => [environment.name, environment] as const))(
    "%s: a production tier enforces and fails closed",
    (_name, environment) => {
      const { policies } = kyvernoObjects(environment);
      for (const name of DENYING) {
        expect(actions(policies[name])).toEqual(["Enforce"]);
        expect(policies[name].spec.webhookConfiguration.failurePolicy).toBe("Fail");
      }
    },
  );

  it.each(byDefault.filter((environment) => !environment.isProduction).map((environment) => [environment.name, environment] as const))(
    "%s: outside production everything audits, and a Kyverno outage blocks nothing",
    (_name, environment) => {
      const { policies } = kyvernoObjects(environment);
      for (const policy of Object.values(policies)) {
        expect(actions(policy)).toEqual(["Audit"]);
        expect(policy.spec.webhookConfiguration.failurePolicy).toBe("Ignore");
      }
    },
  );

  it("follows the config's mode over the tier's default", () => {
    const audited = kyvernoObjects(testEnvironment({ platform: { kyverno: { mode: "audit" } } }, "prodaudit"));
    expect(actions(audited.policies["platform-image-registries"])).toEqual(["Audit"]);
    const enforced = kyvernoObjects(testEnvironment({ tier: "staging", platform: { kyverno: { mode: "enforce" } } }, "stagingenforce"));
    expect(actions(enforced.policies["platform-image-registries"])).toEqual(["Enforce"]);
  });

  it("reports missing requests and probes without denying them even in enforce mode, and says why on the policy", () => {
    const { policies } = kyvernoObjects(testEnvironment({ platform: { kyverno: { mode: "enforce" } } }, "enforced"));
    for (const name of REPORTING) {
      expect(actions(policies[name])).toEqual(["Audit"]);
      expect(policies[name].metadata.annotations["policies.platform/audit-only"]).toMatch(/^.{30,}$/);
    }
  });

  it("checks Pod Security at the namespace's own level, pinned to the cluster's Kubernetes version", () => {
    const environment = shippedByTier("production");
    const stack = synthStack(platformStack(environment, { kubernetesVersion: environment.cluster.version }));
    const policy = new SynthesizedPlatform(stack).manifests("kyverno-config").find((object) => object.metadata.name === "platform-pod-security")!;
    const podSecurity = rules(policy);
    expect(podSecurity.map((rule) => rule.validate.podSecurity)).toEqual([
      { level: "restricted", version: `v${environment.cluster.version}` },
      { level: "baseline", version: `v${environment.cluster.version}` },
    ]);
    expect(podSecurity[0].match.any[0].resources.namespaceSelector.matchExpressions).toEqual([
      { key: "pod-security.kubernetes.io/enforce", operator: "NotIn", values: ["baseline", "privileged"] },
    ]);
    expect(podSecurity[1].match.any[0].resources.namespaceSelector.matchLabels).toEqual({ "pod-security.kubernetes.io/enforce": "baseline" });
  });

  it.each(shippedEnvironments().map((environment) => [environment.name, environment] as const))(
    "%s: images may come from the environment's ECR registry",
    (_name, environment) => {
      const [rule] = rules(kyvernoObjects(environment).policies["platform-image-registries"]);
      expect(rule.validate.pattern.spec.containers[0].image.split(" | ")).toContain(`${ecrOf(environment)}/*`);
    },
  );

  it("adds the config's extra registries, and Docker Hub prefixes in both spellings", () => {
    const environment = testEnvironment({ platform: { kyverno: { extraRegistries: ["registry.example.com/team", "docker.io/acme"] } } });
    const [rule] = rules(kyvernoObjects(environment).policies["platform-image-registries"]);
    const allowed = rule.validate.pattern.spec.containers[0].image.split(" | ");
    expect(allowed).toEqual(expect.arrayContaining(["registry.example.com/team/*", "docker.io/acme/*", "acme/*", `${ecrOf(environment)}/*`]));
  });

  it("refuses untagged and latest images on every container list", () => {
    const tags = rules(kyvernoObjects(shippedByTier("production")).policies["platform-image-tags"]);
    expect(tags.map((rule) => rule.validate.pattern.spec)).toEqual([
      { containers: [{ image: "*:*" }], "=(initContainers)": [{ image: "*:*" }], "=(ephemeralContainers)": [{ image: "*:*" }] },
      { containers: [{ image: "!*:latest" }], "=(initContainers)": [{ image: "!*:latest" }], "=(ephemeralContainers)": [{ image: "!*:latest" }] },
    ]);
  });

  it("asks probes of long-running workloads only, not of Jobs", () => {
    const [rule] = rules(kyvernoObjects(shippedByTier("production")).policies["platform-workload-probes"]);
    expect(rule.match.any[0].resources.kinds).toEqual(["Deployment", "StatefulSet", "DaemonSet"]);
  });

  it("writes an exception, with its reason, only where a shipped workload needs it", () => {
    const production = kyvernoObjects(shippedByTier("production"));
    for (const exception of Object.values(production.exceptions)) {
      expect(exception.metadata.namespace).toBe("kyverno");
      expect(exception.metadata.annotations["policies.platform/reason"]).toMatch(/^.{30,}$/);
    }
    const bare = kyvernoObjects(testEnvironment({ platform: { elasticsearch: { enabled: false }, vault: { enabled: false } } }, "bare"));
    expect(Object.keys(bare.exceptions)).not.toContain("eck-probes");
    expect(Object.keys(bare.exceptions)).not.toContain("vault-probes");
  });

  it("refuses a mode or a registry it does not know, one line each naming the field", () => {
    const input = environmentInput({ platform: { kyverno: { mode: "strict" as never, extraRegistries: ["https://x.io/a:latest"] } } });
    const result = validateEnvironment("test", "config/test.yaml", input);
    expect("problems" in result ? result.problems.map((problem) => `${problem.location}: ${problem.message}`) : []).toEqual([
      'platform.kyverno.mode: must be one of "audit", "enforce"; got "strict"',
      'platform.kyverno.extraRegistries[0]: must be an image prefix such as registry.example.com or ghcr.io/my-org, without a tag; got "https://x.io/a:latest"',
    ]);
  });

  it("can be switched off", () => {
    const platform = synthPlatform(testEnvironment({ platform: { kyverno: { enabled: false } } }, "nokyverno"));
    expect(Object.keys(platform.releases)).not.toContain("kyverno");
  });
});
