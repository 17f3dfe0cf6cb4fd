import { stringify } from "yaml";
import { admissionContract, podSecurityViolations } from "../../../../tools/contracts/checks/admission";
import { CHARTS } from "../../../../tools/contracts/chart-workloads";
import { buildSystemModel, publishedChartDefaults } from "../../../../tools/contracts/model";
import { valueAt } from "../../../../tools/contracts/values";
import { fixtureStack } from "../../support";
import { ENVIRONMENT, object, PLATFORM, system, workload } from "../fixtures/system";

const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};
const namespace = (name: string, level: string) =>
  object(`stack:${PLATFORM}:kubernetes_namespace_v1.${name}`, "Namespace", name, undefined, {
    metadata: { name, labels: { "pod-security.kubernetes.io/enforce": level } },
  });

/** A restricted namespace with a compliant and (when broken) a root, escalating pod; a baseline one with hostPath. */
function build(broken: boolean) {
  return system({
    objects: [namespace("web", "restricted"), namespace("search", "baseline"), namespace("logging", "privileged")],
    workloads: [
      workload("web", { securityContext: { runAsNonRoot: true }, containers: [{ name: "web", securityContext: RESTRICTED_CONTAINER }] }, { namespace: "web" }),
      workload(
        "search",
        { volumes: broken ? [{ name: "host", hostPath: { path: "/var/log" } }] : [{ name: "data", emptyDir: {} }], containers: [{ name: "search" }] },
        { namespace: "search" },
      ),
      // Privileged namespaces admit anything.
      workload("shipper", { hostNetwork: true, containers: [{ name: "shipper", securityContext: { privileged: true } }] }, { namespace: "logging" }),
      ...(broken
        ? [
            workload(
              "legacy",
              {
                initContainers: [{ name: "setup", securityContext: { runAsUser: 0 } }],
                containers: [{ name: "legacy", securityContext: RESTRICTED_CONTAINER }],
              },
              { namespace: "web" },
            ),
          ]
        : []),
    ],
  });
}

describe("the admission contract", () => {
  it("admits pods that meet their namespace's level, and everything in a privileged namespace", () => {
    const result = admissionContract.check(build(false));
    expect(result.findings).toEqual([]);
    expect(result.checked).toBe(3);
  });

  it("names each pod its namespace's level refuses, with every reason", () => {
    const result = admissionContract.check(build(true));
    expect(result.findings.map((finding) => [finding.consumer, finding.reference, finding.instead])).toEqual([
      [`Deployment search/search (release:${PLATFORM}:search)`, "Pod Security baseline of namespace search", "hostPath volume host"],
      [
        `Deployment web/legacy (release:${PLATFORM}:legacy)`,
        "Pod Security restricted of namespace web",
        "container setup allowPrivilegeEscalation is not false; container setup runAsNonRoot is not true; container setup runs as uid 0; " +
          "container setup seccompProfile is unset (RuntimeDefault or Localhost); container setup does not drop capability ALL",
      ],
    ]);
  });

  it("admits an analysis metric's Job pods like any other pod of the namespace", () => {
    const analysis = (context: object) =>
      object(
        "gitops:overlays/test",
        "AnalysisTemplate",
        "gate",
        "web",
        {
          spec: {
            metrics: [{ name: "smoke", provider: { job: { spec: { template: { spec: { containers: [{ name: "smoke", securityContext: context }] } } } } } }],
          },
        },
        "argoproj.io/v1alpha1",
      );
    const model = (context: object) => system({ objects: [namespace("web", "restricted"), analysis(context)] });
    expect(admissionContract.check(model(RESTRICTED_CONTAINER))).toEqual({ checked: 1, findings: [] });
    expect(admissionContract.check(model({})).findings.map((finding) => finding.consumer)).toEqual([
      "AnalysisTemplate web/gate (gitops:overlays/test) metric smoke Job",
    ]);
  });

  it("follows the Pod Security Standards on capabilities and seccomp at pod or container level", () => {
    const pod = (context: object) => ({
      securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
      containers: [{ name: "c", securityContext: context }],
    });
    const restricted = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };
    expect(podSecurityViolations(pod(restricted), "restricted")).toEqual([]);
    expect(podSecurityViolations(pod({ ...restricted, capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } }), "restricted")).toEqual([]);
    expect(podSecurityViolations(pod({ ...restricted, capabilities: { drop: ["ALL"], add: ["CHOWN"] } }), "restricted")).toEqual([
      "container c adds capability CHOWN",
    ]);
    expect(podSecurityViolations(pod({ capabilities: { add: ["CHOWN"] } }), "baseline")).toEqual([]);
    expect(podSecurityViolations(pod({ capabilities: { add: ["NET_ADMIN"] } }), "baseline")).toEqual(["container c adds capability NET_ADMIN"]);
    expect(podSecurityViolations(pod({ ...restricted, seccompProfile: { type: "Unconfined" } }), "restricted")).toContain(
      "container c seccompProfile Unconfined",
    );
  });

  it("catches the Vault injector of vault-helm 0.34.1 with empty security contexts: the chart's fallback has no seccomp profile", () => {
    const stack = (values: object) =>
      fixtureStack(PLATFORM, {
        kubernetes_namespace_v1: { Vault: { metadata: { name: "vault", labels: { "pod-security.kubernetes.io/enforce": "restricted" } } } },
        helm_release: {
          Vault: {
            name: "vault",
            namespace: "vault",
            chart: "vault",
            repository: "https://helm.releases.hashicorp.com",
            version: "0.34.1",
            values: [stringify(values)],
          },
        },
      });
    const injector = (values: object) => {
      const model = buildSystemModel(ENVIRONMENT, [stack(values)], undefined, publishedChartDefaults());
      return admissionContract.check(model).findings.filter((finding) => finding.consumer.includes("vault-agent-injector"));
    };
    const [finding] = injector({ injector: { enabled: true } });
    expect(finding.reference).toBe("Pod Security restricted of namespace vault");
    expect(finding.instead).toContain("seccompProfile is unset");
    const restrictedValues = {
      injector: {
        enabled: true,
        securityContext: { pod: { runAsNonRoot: true, runAsUser: 100, seccompProfile: { type: "RuntimeDefault" } }, container: RESTRICTED_CONTAINER },
      },
    };
    expect(injector(restrictedValues)).toEqual([]);
  });

  it("a chart workload in a restricted namespace whose security fields are not modelled is a finding, not a pass", () => {
    const model = system({
      objects: [namespace("tools", "restricted")],
      releases: [
        {
          stack: PLATFORM,
          address: "helm_release.Tools",
          name: "tools",
          namespace: "tools",
          chart: "metrics-server",
          version: "3.13.1",
          values: {},
          dependsOn: [],
        },
      ],
      workloads: [workload("metrics-server", { containers: [{ name: "metrics-server" }] }, { namespace: "tools", source: `release:${PLATFORM}:tools` })],
    });
    expect(admissionContract.check(model).findings.map((finding) => finding.instead)).toEqual([
      "no security fields modelled for it in tools/contracts/chart-workloads.ts",
    ]);
  });
});

describe("the chart table's security paths (tools/contracts/chart-workloads.ts)", () => {
  const defaults = publishedChartDefaults();
  const pinned: Record<string, string> = {
    "argo-cd": "10.1.1",
    "argo-rollouts": "2.41.0",
    "argocd-image-updater": "1.2.4",
    "cert-manager": "v1.21.1",
    "external-dns": "1.21.1",
    "external-secrets": "2.9.0",
    "opentelemetry-collector": "0.170.0",
    vault: "0.34.1",
    "eck-operator": "3.5.0",
  };

  it.each(Object.keys(pinned))("%s: every modelled security path exists in the pinned chart's values.yaml", (chart) => {
    const values = defaults(chart, pinned[chart]);
    const missing = CHARTS[chart].workloads.flatMap((each) => {
      const security = each.security;
      if (!security) return [`${each.name("release")}: not modelled`];
      const paths = [
        ...security.pod,
        ...security.container,
        ...(security.hostNetwork ? [security.hostNetwork] : []),
        ...(security.shareProcessNamespace ? [security.shareProcessNamespace] : []),
        ...(security.extraContainers ?? []),
        ...(security.podAnnotations ? [security.podAnnotations] : []),
      ];
      return paths.filter((path) => valueAt(values, path) === undefined);
    });
    expect(missing).toEqual([]);
  });
});
