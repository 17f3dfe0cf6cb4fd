import { admissionPoliciesContract, allowedImage, patternFailures, qualifiedImage, valuesImages } from "../../../../tools/contracts/checks/admission-policies";
import { platformPolicies } from "../../../../constructs/addons/kyverno-policies";
import type { ObjectModel, WorkloadFacts } from "../../../../tools/contracts/types";
import { object, PLATFORM, release, system, workload } from "../fixtures/system";

const ECR = "123456789012.dkr.ecr.eu-central-1.amazonaws.com";
const RESTRICTED = {
  allowPrivilegeEscalation: false,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};
const PROBE = { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 10 };

/** The policies exactly as the Kyverno add-on writes them, in enforce mode, as objects of the platform stack. */
function policies(action: "Audit" | "Enforce" = "Enforce"): ObjectModel[] {
  return platformPolicies({
    failureAction: action,
    podSecurityVersion: "v1.35",
    registries: [ECR, "docker.io/hashicorp", "registry.k8s.io"],
    exclusions: [{ namespace: "kube-system", reason: "EKS's own" }],
  }).map((policy) => ({ source: `release:${PLATFORM}:kyverno-config`, object: policy }));
}

const namespace = (name: string, level: string) =>
  object(`stack:${PLATFORM}:kubernetes_namespace_v1.${name}`, "Namespace", name, undefined, {
    metadata: { name, labels: { "pod-security.kubernetes.io/enforce": level } },
  });

/** A container that meets every rule. */
function good(name: string, image = `${ECR}/shop/web:1.2.3`): Record<string, unknown> {
  return {
    name,
    image,
    securityContext: RESTRICTED,
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
    livenessProbe: PROBE,
    readinessProbe: PROBE,
  };
}

const fromGitops = (name: string, containers: Record<string, unknown>[], parts: Partial<WorkloadFacts> = {}): WorkloadFacts =>
  workload(name, { securityContext: { runAsNonRoot: true }, containers }, { source: "gitops:overlays/test", namespace: "web", owner: "application", ...parts });

const findingsOf = (workloads: WorkloadFacts[], extra: ObjectModel[] = [], action: "Audit" | "Enforce" = "Enforce") =>
  admissionPoliciesContract(() => ({}))
    .check(system({ objects: [namespace("web", "restricted"), namespace("search", "baseline"), ...policies(action), ...extra], workloads }))
    .findings.map((finding) => [finding.consumer.split(" (")[0], finding.reference]);

describe("the admission-policies contract", () => {
  it("admits a workload that meets every rule", () => {
    expect(findingsOf([fromGitops("web", [good("web")])])).toEqual([]);
  });

  it("names the rule each shipped workload breaks", () => {
    const findings = findingsOf([
      fromGitops("untagged", [good("app", `${ECR}/shop/web`)]),
      fromGitops("latest", [good("app", `${ECR}/shop/web:latest`)]),
      fromGitops("foreign", [good("app", "quay.io/someone/tool:1.0")]),
      fromGitops("unsized", [{ ...good("app"), resources: { requests: { cpu: "50m", memory: "64Mi" } } }]),
      fromGitops("unprobed", [{ ...good("app"), readinessProbe: undefined }]),
      fromGitops("root", [{ ...good("app"), securityContext: { ...RESTRICTED, runAsNonRoot: false } }]),
    ]);
    expect(findings).toEqual([
      ["Deployment web/untagged", "ClusterPolicy platform-image-tags rule tag-or-digest (Enforce)"],
      ["Deployment web/latest", "ClusterPolicy platform-image-tags rule not-latest (Enforce)"],
      ["Deployment web/foreign", "ClusterPolicy platform-image-registries rule allowed-registries (Enforce)"],
      ["Deployment web/unsized", "ClusterPolicy platform-container-resources rule requests-and-memory-limit (Audit)"],
      ["Deployment web/unprobed", "ClusterPolicy platform-workload-probes rule liveness-and-readiness (Audit)"],
      ["Deployment web/root", "ClusterPolicy platform-pod-security rule pod-security-restricted (Enforce)"],
    ]);
  });

  it("reports in audit mode too: an audited violation is an alert that never stops", () => {
    expect(findingsOf([fromGitops("foreign", [good("app", "quay.io/someone/tool:1.0")])], [], "Audit")).toEqual([
      ["Deployment web/foreign", "ClusterPolicy platform-image-registries rule allowed-registries (Audit)"],
    ]);
  });

  it("checks init containers, and asks probes of long-running workloads only", () => {
    const init = { ...good("init"), resources: undefined, livenessProbe: undefined, readinessProbe: undefined };
    const job = fromGitops("migrate", [{ ...good("migrate"), livenessProbe: undefined, readinessProbe: undefined }], { kind: "Job" });
    const withInit = {
      ...fromGitops("web", [good("web")]),
      podSpec: { securityContext: { runAsNonRoot: true }, initContainers: [init], containers: [good("web")] },
    };
    expect(findingsOf([job, withInit])).toEqual([["Deployment web/web", "ClusterPolicy platform-container-resources rule requests-and-memory-limit (Audit)"]]);
  });

  it("applies the namespace's own Pod Security level: baseline admits what restricted refuses", () => {
    const rootless = { ...good("search"), securityContext: { allowPrivilegeEscalation: true } };
    expect(findingsOf([fromGitops("search", [rootless], { namespace: "search" })])).toEqual([]);
    expect(findingsOf([fromGitops("search", [rootless], { namespace: "web" })])).toEqual([
      ["Deployment web/search", "ClusterPolicy platform-pod-security rule pod-security-restricted (Enforce)"],
    ]);
  });

  it("leaves the excluded namespaces alone", () => {
    expect(
      findingsOf([fromGitops("aws-node", [good("aws-node", "602401143452.dkr.ecr.eu-central-1.amazonaws.com/amazon-k8s-cni")], { namespace: "kube-system" })]),
    ).toEqual([]);
  });

  it("honours a PolicyException for the rule and workload it names, and reports one no workload needs", () => {
    const exception = (names: string[]) =>
      object(`release:${PLATFORM}:kyverno-config`, "PolicyException", "tool", "kyverno", {
        spec: {
          exceptions: [{ policyName: "platform-image-registries", ruleNames: ["allowed-registries", "autogen-allowed-registries"] }],
          match: { any: [{ resources: { kinds: ["Deployment", "Pod"], namespaces: ["web"], names } }] },
        },
      });
    const foreign = fromGitops("foreign", [good("app", "quay.io/someone/tool:1.0")]);
    expect(findingsOf([foreign], [exception(["foreign"])])).toEqual([]);
    expect(findingsOf([fromGitops("web", [good("web")])], [exception(["foreign"])])).toEqual([
      ["PolicyException kyverno/tool", "a shipped workload it exempts"],
    ]);
  });

  it("judges a chart's own container only by what the model holds of it", () => {
    // The model writes a chart workload's container by name only: its image, requests and probes are the chart's.
    const chart = workload("metrics-server", { containers: [{ name: "metrics-server" }] }, { namespace: "web" });
    const model = system({
      objects: [namespace("web", "restricted"), ...policies()],
      releases: [
        release("metrics-server", "metrics-server", { namespace: "web", values: { image: { repository: "quay.io/elsewhere/metrics-server", tag: "v1" } } }),
      ],
      workloads: [chart],
    });
    const findings = admissionPoliciesContract(() => ({})).check(model).findings;
    expect(findings.map((finding) => [finding.consumer, finding.reference])).toEqual([
      [`helm_release metrics-server (${PLATFORM})`, "image quay.io/elsewhere/metrics-server of the chart's values"],
    ]);
  });

  it("reports a rule whose shape it cannot evaluate instead of passing it", () => {
    const [policy] = policies();
    const rules = (policy.object.spec as { rules: Record<string, unknown>[] }).rules;
    const changed = { ...policy, object: { ...policy.object, spec: { rules: [{ ...rules[0], match: { all: [{ resources: { kinds: ["Pod"] } }] } }] } } };
    const findings = admissionPoliciesContract(() => ({}))
      .check(system({ objects: [namespace("web", "restricted"), changed], workloads: [fromGitops("web", [good("web")])] }))
      .findings.map((finding) => finding.instead);
    expect(findings).toEqual(["match/exclude this evaluator does not know (all)"]);
  });

  it("checks nothing where no ClusterPolicy is applied (Kyverno switched off)", () => {
    expect(admissionPoliciesContract(() => ({})).check(system({ workloads: [fromGitops("foreign", [good("app", "quay.io/x/y")])] }))).toEqual({
      checked: 0,
      findings: [],
    });
  });
});

describe("the evaluator's pieces", () => {
  it("matches Kyverno patterns: optional anchors, alternatives, negation, non-empty and numbers", () => {
    const pattern = { spec: { containers: [{ image: "a/* | b/*" }], "=(initContainers)": [{ image: "!*:latest" }] } };
    expect(patternFailures(pattern, { spec: { containers: [{ name: "x", image: "b/y:1" }] } })).toEqual([]);
    expect(patternFailures(pattern, { spec: { containers: [{ name: "x", image: "c/y:1" }], initContainers: [{ name: "i", image: "a/z:latest" }] } })).toEqual([
      "spec.containers[x].image",
      "spec.initContainers[i].image",
    ]);
    expect(patternFailures({ a: "?*", b: { p: ">0" } }, { a: "", b: { p: 3 } })).toEqual(["a"]);
  });

  it("writes Docker Hub's implicit registry out before comparing prefixes", () => {
    expect(qualifiedImage("hashicorp/vault:2.0.4")).toBe("docker.io/hashicorp/vault:2.0.4");
    expect(qualifiedImage("busybox")).toBe("docker.io/library/busybox");
    expect(qualifiedImage("registry.k8s.io/x:1")).toBe("registry.k8s.io/x:1");
    expect(allowedImage(["docker.io/hashicorp"], "hashicorp/vault:2.0.4")).toBe(true);
    expect(allowedImage(["docker.io/hashicorp"], "hashicorpx/vault:2.0.4")).toBe(false);
  });

  it("finds every image a chart's values name, except switched-off parts and helm test pods", () => {
    const values = {
      image: { registry: "ghcr.io", repository: "org/tool", tag: "1" },
      sidecar: { image: { repository: "quay.io/org/sidecar", pullPolicy: "IfNotPresent" } },
      off: { enabled: false, image: { repository: "quay.io/org/off", tag: "1" } },
      testFramework: { image: { repository: "busybox", tag: "1" } },
      imageRegistry: "quay.io",
      imageNamespace: "jetstack",
      controller: { image: { repository: "", name: "cert-manager-controller" } },
    };
    expect(valuesImages("any", values)).toEqual(["ghcr.io/org/tool", "quay.io/org/sidecar", "quay.io/jetstack/cert-manager-controller"]);
  });
});
