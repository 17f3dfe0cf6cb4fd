import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import { parse } from "yaml";
import { DeliveryStack } from "../../stacks/delivery-stack";
import { ENVIRONMENTS, kustomize, overlayDirectory } from "../gitops/render";
import { clusterOf, edgeStack } from "../support/edge";
import { checkValues, chartsDir, findChart } from "../../tools/chart-values";
import { REPO_ROOT, testApp, testEnvironment, tier } from "../support/environments";
import { countOf, onlyResource, resourcesOf, synthStack, SynthesizedStack } from "../support/synth";
import { EnvironmentConfig } from "../../config";
import { crossStackReadsIn } from "../../constructs/core/cdktf-internals";

function synth(environment: EnvironmentConfig): SynthesizedStack {
  const app = testApp();
  const edge = edgeStack(environment, app);
  return synthStack(new DeliveryStack(app, environment, { cluster: clusterOf(environment), edge }));
}

function chartValues(synthesized: SynthesizedStack): Record<string, any> {
  const release = onlyResource(synthesized, "helm_release");
  return parse((release.values as string[])[0]);
}

describe("DeliveryStack", () => {
  const prod = synth(tier.production);
  const values = chartValues(prod);
  const application = values.applications.web;
  const project = values.projects[tier.production.prefix];

  it("installs the argocd-apps chart 2.0.5 into Argo CD's namespace", () => {
    expect(onlyResource(prod, "helm_release")).toMatchObject({
      chart: "argocd-apps",
      repository: "https://argoproj.github.io/argo-helm",
      version: "2.0.5",
      namespace: "argocd",
      atomic: true,
    });
  });

  it("passes only keys the argocd-apps chart 2.0.5 defines (its own values.yaml, from npm run charts:pull)", () => {
    const found = findChart(chartsDir(REPO_ROOT), "argocd-apps", "2.0.5");
    if ("missing" in found) throw new Error(found.missing);
    expect(checkValues(found.chart, values).problems).toEqual([]);
    expect(checkValues(found.chart, { ...values, application: {} }).problems).not.toEqual([]);
  });

  it("authenticates the helm and kubernetes providers with aws eks get-token, never a stored token", () => {
    expect(prod.provider?.helm?.[0].kubernetes).toMatchObject({ exec: { command: "aws", args: expect.arrayContaining(["get-token"]) } });
    expect(prod.provider?.kubernetes?.[0].exec).toEqual([expect.objectContaining({ command: "aws" })]);
  });

  it("limits the project to the application's repository and namespace in this cluster", () => {
    expect(project.sourceRepos).toEqual([tier.production.edge!.gitops.repoURL]);
    expect(project.destinations).toEqual([{ server: "https://kubernetes.default.svc", namespace: "web" }]);
    expect(project.clusterResourceWhitelist).toEqual([{ group: "", kind: "Namespace" }]);
  });

  it("syncs the environment's overlay automatically with prune and self-heal, and deletes its resources with it", () => {
    expect(application.source).toMatchObject({
      repoURL: tier.production.edge!.gitops.repoURL,
      path: "gitops/overlays/prod",
      targetRevision: "main",
    });
    expect(application.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(application.finalizers).toEqual(["resources-finalizer.argocd.argoproj.io"]);
    expect(application.project).toBe(tier.production.prefix);
  });

  it("hands the edge stack's target group ARN to the TargetGroupBinding through a kustomize patch (cross-stack reference)", () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "delivery-")) });
    const environment = tier.production;
    const edge = edgeStack(environment, app);
    new DeliveryStack(app, environment, { cluster: clusterOf(environment), edge });
    app.synth();
    const stackJson = (name: string) => JSON.parse(fs.readFileSync(path.join(app.outdir, "stacks", name, "cdk.tf.json"), "utf8")) as SynthesizedStack;
    const [patch] = chartValues(stackJson(`${environment.name}-delivery`)).applications.web.source.kustomize.patches;
    expect(patch.target).toMatchObject({ kind: "TargetGroupBinding", name: "web" });
    const [operation] = JSON.parse(patch.patch);
    expect(operation).toMatchObject({ op: "add", path: "/spec/targetGroupARN" });
    // One whole reference, read from the edge stack's output that holds the target group's ARN.
    expect(operation.value).toMatch(/^\$\{[^}]+\}$/);
    const reads = crossStackReadsIn(operation.value);
    expect(reads).toEqual([expect.objectContaining({ originStack: `${environment.name}-edge` })]);
    const output = stackJson(`${environment.name}-edge`).output?.[reads[0].outputId];
    expect(output?.value).toMatch(/^\$\{aws_lb_target_group\.[A-Za-z0-9_]+\.arn\}$/);
  });

  it("leaves the replica count to the HPA", () => {
    expect(application.ignoreDifferences).toEqual([{ group: "argoproj.io", kind: "Rollout", jsonPointers: ["/spec/replicas"] }]);
    expect(application.syncPolicy.syncOptions).toContain("RespectIgnoreDifferences=true");
  });

  it("tracks the ECR repository with Image Updater, committing git-sha tags back to the overlay", () => {
    const annotations = application.additionalAnnotations;
    expect(annotations["argocd-image-updater.argoproj.io/image-list"]).toMatch(/^web=\$\{.*repository_url/);
    expect(annotations).toMatchObject({
      "argocd-image-updater.argoproj.io/web.update-strategy": "newest-build",
      "argocd-image-updater.argoproj.io/web.allow-tags": "regexp:^[0-9a-f]{40}$",
      "argocd-image-updater.argoproj.io/write-back-method": "git",
    });
    // Its default target (.argocd-source-web.yaml): the overlay's kustomization stays the generator's.
    expect(annotations).not.toHaveProperty(["argocd-image-updater.argoproj.io/write-back-target"]);
    const updater = Object.values(resourcesOf(prod, "kubernetes_manifest")).find((manifest) => (manifest.manifest as any).kind === "ImageUpdater")!;
    expect((updater.manifest as any).spec).toEqual({ applicationRefs: [{ namePattern: "web", useAnnotations: true }] });
  });

  it("reads the repository credentials from Secrets Manager into an Argo CD repository secret", () => {
    const secret = Object.values(resourcesOf(prod, "kubernetes_manifest")).find((manifest) => (manifest.manifest as any).kind === "ExternalSecret")!;
    const spec = (secret.manifest as any).spec;
    // Argo CD's namespace's own SecretStore (the platform layer grants its role this secret, break 1 and 4).
    expect(spec.secretStoreRef).toEqual({ kind: "SecretStore", name: "aws-secrets-manager" });
    expect(spec.dataFrom).toEqual([{ extract: { key: `${tier.production.prefix}/argocd/repository` } }]);
    expect(spec.target.template.metadata.labels).toEqual({ "argocd.argoproj.io/secret-type": "repository" });
    expect(spec.target.template.data).toMatchObject({ url: tier.production.edge!.gitops.repoURL, type: "git" });
  });

  it("needs neither credentials nor Image Updater for a public repository with updates off", () => {
    const environment = testEnvironment({
      edge: {
        domainName: "shop.example.org",
        loadBalancer: { cloudFrontPrefixListId: "pl-0a1b2c3d" },
        gitops: { repoURL: "https://github.com/acme/shop.git", imageUpdater: { enabled: false } },
      },
    });
    const synthesized = synth(environment);
    expect(countOf(synthesized, "kubernetes_manifest")).toBe(0);
    expect(chartValues(synthesized).applications.web.additionalAnnotations).toEqual({});
  });

  it.each(ENVIRONMENTS)("allows every kind the %s overlay renders, and nothing more", (environment) => {
    const rendered = kustomize(overlayDirectory(environment));
    // What the synthesized AppProject admits, as Argo CD reads it.
    const allowed = [...project.namespaceResourceWhitelist, ...project.clusterResourceWhitelist]
      .map(({ group, kind }: { group: string; kind: string }) => `${group}/${kind}`)
      .sort();
    const used = [...new Set(rendered.map((object) => `${object.apiVersion.includes("/") ? object.apiVersion.split("/")[0] : ""}/${object.kind}`))].sort();
    expect(used).toEqual(allowed);
  });
});

/** Issue 20, break 10: the blue-green gate proves the data path, not only the health endpoints. */
describe("the pre-promotion gate drives a database-backed route and ignores the probes", () => {
  const template = parse(fs.readFileSync(path.join(REPO_ROOT, "gitops", "base", "analysis-template.yaml"), "utf8"));
  const rollout = parse(fs.readFileSync(path.join(REPO_ROOT, "gitops", "base", "rollout.yaml"), "utf8"));
  const metrics: { name: string; provider: { job?: any; prometheus?: { query: string } } }[] = template.spec.metrics;
  const [web] = rollout.spec.template.spec.containers;
  const probePaths = [web.startupProbe, web.livenessProbe, web.readinessProbe].map((probe) => probe.httpGet.path as string);

  it("the smoke test creates a user, reads it back and deletes it, and calls no health route", () => {
    const script: string = metrics.find((metric) => metric.name === "smoke-test")!.provider.job.spec.template.spec.containers[0].args.join("\n");
    expect(script).toMatch(/call POST \/users /);
    expect(script).toMatch(/call GET "\/users\/\$\{id\}"/);
    expect(script).toMatch(/call DELETE "\/users\/\$\{id\}"/);
    expect(script).toContain("--fail");
    for (const probe of probePaths) expect(script).not.toContain(probe);
  });

  it("every Prometheus query leaves out the kubelet's probe routes, so probes alone cannot meet the request count", () => {
    const queries = metrics.filter((metric) => metric.provider.prometheus).map((metric) => metric.provider.prometheus!.query);
    expect(queries.length).toBeGreaterThan(0);
    for (const query of queries) {
      // Rollouts fills in {{args.*}} before Prometheus sees the query.
      const selectors = [...query.replace(/\{\{[^}]*\}\}/g, "arg").matchAll(/http_requests_total\{([^}]*)\}/g)].map((match) => match[1]);
      expect(selectors.length).toBeGreaterThan(0);
      for (const selector of selectors) {
        const excluded = /route!~"([^"]*)"/.exec(selector)?.[1] ?? "";
        for (const probe of probePaths) expect(new RegExp(`^(?:${excluded})$`).test(probe)).toBe(true);
      }
    }
  });
});
