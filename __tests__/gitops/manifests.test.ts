import * as path from "path";
import { databaseKustomizePatches } from "../../constructs/edge/application-database-access";
import { targetGroupBindingPatch } from "../../constructs/edge/target-group-binding-patch";
import { APPLICATION_NAMESPACE, APPLICATION_SERVICE_ACCOUNT, PROVISIONER_SERVICE_ACCOUNT } from "../../stacks/edge-stack";
import { shippedEnvironment } from "../support/environments";
import { ENVIRONMENTS, GITOPS_DIR, KubeObject, kustomize, overlayDirectory, renderAsArgoCd } from "./render";
import { validateObject, ValidationResult } from "./schema-validation";
import { isPinnedImage, workloadProblems } from "./workload-rules";
import { parsePromql, selectorsOf } from "../support/promql";

const FIXTURES = path.join(__dirname, "fixtures");
const exampleTargetGroupArn = (environment: string) =>
  `arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/webapp-${environment}-web/0123456789abcdef`;

/** What the data layer hands over through the delivery stack, as an applied environment would have it. */
const exampleDatabase = (environment: string) => ({
  writerEndpoint: `webapp-${environment}.cluster-abc123.eu-west-1.rds.amazonaws.com`,
  readerEndpoint: `webapp-${environment}.cluster-ro-abc123.eu-west-1.rds.amazonaws.com`,
  port: 5432,
  masterSecretArn: `arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!cluster-0123-abcdef`,
});

function render(environment: string): KubeObject[] {
  return renderAsArgoCd(overlayDirectory(environment), [
    targetGroupBindingPatch(exampleTargetGroupArn(environment)),
    ...databaseKustomizePatches(exampleDatabase(environment)),
  ]);
}

/** Every container and init container of every pod template the overlay renders, with where it is. */
function containersOf(objects: readonly KubeObject[]): { where: string; container: Record<string, any> }[] {
  return objects.flatMap((object) => {
    const pod = object.spec?.template?.spec;
    if (!pod) return [];
    return [...(pod.initContainers ?? []), ...pod.containers].map((container: Record<string, any>) => ({ where: `${object.kind}/${object.metadata.name}`, container }));
  });
}

/** The names of the Secrets a container reads (envFrom and env valueFrom). */
function secretsReadBy(container: Record<string, any>): string[] {
  return [
    ...(container.envFrom ?? []).flatMap((source: any) => (source.secretRef ? [source.secretRef.name] : [])),
    ...(container.env ?? []).flatMap((variable: any) => (variable.valueFrom?.secretKeyRef ? [variable.valueFrom.secretKeyRef.name] : [])),
  ];
}

function find(objects: readonly KubeObject[], kind: string, name = "web"): KubeObject {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} in the rendered overlay`);
  return found;
}

const rendered = Object.fromEntries(ENVIRONMENTS.map((environment) => [environment, render(environment)])) as Record<
  (typeof ENVIRONMENTS)[number],
  KubeObject[]
>;

describe.each(ENVIRONMENTS)("the %s overlay", (environment) => {
  const objects = rendered[environment];
  const results: ValidationResult[] = objects.map(validateObject);

  it("renders every object the application needs", () => {
    const kinds = objects.map((object) => object.kind).sort();
    expect(kinds).toEqual(
      [
        "AnalysisTemplate", "Certificate", "ConfigMap", "ExternalSecret", "HorizontalPodAutoscaler", "Job", "Namespace", "NetworkPolicy", "NetworkPolicy", "NetworkPolicy", "NetworkPolicy",
        "PodDisruptionBudget", "PrometheusRule", "Rollout", "SecretStore", "Service", "Service", "Service", "ServiceAccount", "ServiceAccount",
        "ServiceMonitor", "TargetGroupBinding",
      ].sort(),
    );
  });

  it("is valid against the Kubernetes and CRD schemas, object by object", () => {
    expect(results.filter((result) => result.problems.length > 0)).toEqual([]);
    // Reported in the test output: how many objects were checked and how.
    const byModel = results.filter((result) => result.method === "model").length;
    process.stdout.write(`gitops/overlays/${environment}: ${results.length} objects validated (${byModel} against published schemas, ${results.length - byModel} by required fields)\n`);
  });

  it("passes the workload rules (probes, resources, non-root, read-only root, PDB, 2+ replicas, pinned image)", () => {
    expect(workloadProblems(objects)).toEqual([]);
  });

  it("puts every namespaced object in the delivery stack's namespace, whose pods must meet the restricted Pod Security standard", () => {
    const namespaced = objects.filter((object) => object.kind !== "Namespace");
    expect(new Set(namespaced.map((object) => object.metadata.namespace))).toEqual(new Set([APPLICATION_NAMESPACE]));
    expect(find(objects, "Namespace").metadata.labels).toMatchObject({ "pod-security.kubernetes.io/enforce": "restricted" });
  });

  const config = shippedEnvironment(environment);

  it("runs the image from the ECR repository of its environment's edge stack at an immutable git-sha tag", () => {
    const image = find(objects, "Rollout").spec!.template.spec.containers[0].image as string;
    const repository = `${config.account.id}.dkr.ecr.${config.account.region}.amazonaws.com/${config.prefix}/web`;
    expect(image.slice(0, repository.length + 1)).toBe(`${repository}:`);
    expect(image.slice(repository.length + 1)).toMatch(/^[0-9a-f]{40}$/);
  });

  it("deploys blue-green behind the active service, with the pre-promotion analysis before promotion, promoted by hand in production", () => {
    const blueGreen = find(objects, "Rollout").spec!.strategy.blueGreen;
    expect(blueGreen).toMatchObject({ activeService: "web-active", previewService: "web-preview" });
    expect(blueGreen.prePromotionAnalysis.templates).toEqual([{ templateName: "web-pre-promotion" }]);
    expect(blueGreen.autoPromotionEnabled).toBe(!config.isProduction);
  });

  describe("the pre-promotion analysis", () => {
    const template = find(objects, "AnalysisTemplate", "web-pre-promotion").spec!;
    const metric = (name: string) => template.metrics.find((candidate: { name: string }) => candidate.name === name);
    // Argo Rollouts' expr conditions over the Prometheus result vector, as JavaScript (len → length, isNaN → Number.isNaN).
    const condition = (expression: string) =>
      // eslint-disable-next-line @typescript-eslint/no-implied-eval -- evaluates the AnalysisTemplate's own expression, read from gitops/, never input
      new Function("result", `return ${expression.replace(/len\(result\)/g, "result.length").replace(/isNaN\(/g, "Number.isNaN(")};`) as (result: number[]) => boolean;

    it("fails on no data: an empty result and NaN never pass, a healthy preview does", () => {
      const prometheus = template.metrics.filter((candidate: { provider: object }) => "prometheus" in candidate.provider);
      expect(prometheus.map((candidate: { name: string }) => candidate.name)).toEqual(["success-rate", "request-count"]);
      for (const { successCondition } of prometheus) {
        expect(condition(successCondition)([])).toBe(false);
        expect(condition(successCondition)([NaN])).toBe(false);
      }
      expect(condition(metric("success-rate").successCondition)([0.995])).toBe(true);
      expect(condition(metric("success-rate").successCondition)([0.9])).toBe(false);
      expect(condition(metric("request-count").successCondition)([240])).toBe(true);
      expect(condition(metric("request-count").successCondition)([3])).toBe(false);
    });

    it("measures the preview colour's pods only, with the metric and labels the app and its ServiceMonitor produce", () => {
      const podLabel = find(objects, "ServiceMonitor").spec!.podTargetLabels as string[];
      for (const name of ["success-rate", "request-count"]) {
        const query = metric(name).provider.prometheus.query as string;
        for (const selector of selectorsOf(parsePromql(query.replaceAll("{{args.pod-template-hash}}", "abc123")))) {
          expect(selector.metric).toBe("http_requests_total");
          expect(selector.matchers).toContainEqual({ label: "rollouts_pod_template_hash", op: "=", value: "abc123" });
          expect(podLabel.map((label) => label.replace(/[-./]/g, "_"))).toContain("rollouts_pod_template_hash");
        }
      }
      expect(find(objects, "Rollout").spec!.strategy.blueGreen.prePromotionAnalysis.args).toEqual([
        { name: "pod-template-hash", valueFrom: { podTemplateHashValue: "Latest" } },
      ]);
    });

    it("drives real requests at the preview service with a smoke-test Job that tolerates the spot taint and runs restricted", () => {
      const job = metric("smoke-test").provider.job.spec;
      const pod = job.template.spec;
      const [container] = pod.containers;
      expect(job.backoffLimit).toBe(0);
      expect(container.args.join("\n")).toContain(`http://${find(objects, "Rollout").spec!.strategy.blueGreen.previewService}\${path}`);
      expect(pod.tolerations).toContainEqual({ key: "workload", operator: "Equal", value: "stateless", effect: "NoSchedule" });
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
      expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
      expect(isPinnedImage(container.image)).toBe(true);
      // The namespace denies everything by default: the smoke test's own policies let it reach the web pods.
      const egress = find(objects, "NetworkPolicy", "web-smoke-test").spec!;
      expect(egress.podSelector.matchLabels).toEqual(job.template.metadata.labels);
      expect(find(objects, "NetworkPolicy", "web-from-smoke-test").spec!.ingress[0].from[0].podSelector.matchLabels).toEqual(job.template.metadata.labels);
    });
  });

  it("binds the active service to the Terraform-owned target group by IP", () => {
    expect(find(objects, "TargetGroupBinding").spec).toEqual({
      targetType: "ip",
      serviceRef: { name: "web-active", port: 80 },
      targetGroupARN: exampleTargetGroupArn(environment),
    });
  });

  it("scales the rollout on 80 % CPU", () => {
    const hpa = find(objects, "HorizontalPodAutoscaler").spec!;
    expect(hpa.scaleTargetRef).toEqual({ apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: "web" });
    expect(hpa.metrics).toEqual([{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }]);
  });

  it("uses its own environment's roles: the application's by the configured workload identity, the provisioning step's by IRSA", () => {
    const roleArn = (serviceAccount: string) => `arn:aws:iam::${config.account.id}:role/${config.prefix}-${serviceAccount}`;
    // The provisioning step's store exchanges its own token (External Secrets), which only IRSA serves.
    expect(find(objects, "ServiceAccount", PROVISIONER_SERVICE_ACCOUNT).metadata.annotations).toMatchObject({
      "eks.amazonaws.com/role-arn": roleArn(PROVISIONER_SERVICE_ACCOUNT),
    });
    // With Pod Identity the association binds the role; an IRSA annotation would take precedence in the SDK's chain.
    const application = find(objects, "ServiceAccount", APPLICATION_SERVICE_ACCOUNT).metadata.annotations ?? {};
    if (config.cluster.workloadIdentity === "pod-identity") expect(application).not.toHaveProperty(["eks.amazonaws.com/role-arn"]);
    else expect(application).toMatchObject({ "eks.amazonaws.com/role-arn": roleArn(APPLICATION_SERVICE_ACCOUNT) });
    expect(find(objects, "SecretStore", "database-master").spec!.provider.aws.region).toBe(config.account.region);
  });

  describe("the database users (break 2)", () => {
    const job = find(objects, "Job", "web-migrate");
    const pod = job.spec!.template.spec;

    it("are created by the migration Job's init container, which the kubelet runs to success before the migration", () => {
      expect(pod.initContainers.map((container: { name: string }) => container.name)).toEqual(["provision-users"]);
      expect(pod.containers.map((container: { name: string }) => container.name)).toEqual(["migrate"]);
      const [provision] = pod.initContainers;
      expect(provision.command).toEqual(["node", "dist/src/provision-users.js"]);
      expect(provision.image).toBe(pod.containers[0].image);
      // Before the Rollout (wave 0), after the settings and master credentials (wave -2) it reads.
      expect(job.metadata.annotations).toMatchObject({ "argocd.argoproj.io/hook": "Sync", "argocd.argoproj.io/sync-wave": "-1" });
      for (const name of ["web-database-master", "web-database"]) {
        const kind = name === "web-database" ? "ConfigMap" : "ExternalSecret";
        expect(Number(find(objects, kind, name).metadata.annotations?.["argocd.argoproj.io/sync-wave"])).toBeLessThan(-1);
      }
    });

    it("include the user every workload logs in as", () => {
      const provisioned = pod.initContainers[0].env.find((variable: { name: string }) => variable.name === "DB_IAM_USERS").value.split(",");
      expect(provisioned).toContain((find(objects, "ConfigMap", "web-database") as { data?: Record<string, string> }).data!.PGUSER);
    });

    it("are provisioned with master credentials that only the provisioning container reads", () => {
      const readers = containersOf(objects).filter(({ container }) => secretsReadBy(container).includes("web-database-master"));
      expect(readers.map(({ where, container }) => `${where}/${container.name}`)).toEqual(["Job/web-migrate/provision-users"]);
      const external = find(objects, "ExternalSecret", "web-database-master").spec!;
      expect(external.target.name).toBe("web-database-master");
      expect(external.dataFrom).toEqual([{ extract: { key: exampleDatabase(environment).masterSecretArn } }]);
      // The store that reaches Secrets Manager authenticates as the provisioning account, which no pod runs as.
      expect(find(objects, "SecretStore", "database-master").spec!.provider.aws.auth.jwt.serviceAccountRef.name).toBe(PROVISIONER_SERVICE_ACCOUNT);
      expect(objects.filter((object) => object.kind === "SecretStore")).toHaveLength(1);
      const podAccounts = objects.flatMap((object) => (object.spec?.template?.spec ? [object.spec.template.spec.serviceAccountName] : []));
      expect(podAccounts).not.toContain(PROVISIONER_SERVICE_ACCOUNT);
    });
  });

  it("reads the non-secret connection settings from a ConfigMap the delivery stack completes, in the service and the migration alike", () => {
    const { data } = find(objects, "ConfigMap", "web-database") as { data?: Record<string, string> };
    const database = exampleDatabase(environment);
    expect(data).toEqual({
      PGHOST: database.writerEndpoint,
      PGHOST_READER: database.readerEndpoint,
      PGPORT: "5432",
      PGUSER: "web",
      PGDATABASE: "postgres",
      PGSSLMODE: "verify-full",
    });
    const consumers = containersOf(objects).filter(({ container }) => (container.envFrom ?? []).some((source: any) => source.configMapRef?.name === "web-database"));
    expect(consumers.map(({ where, container }) => `${where}/${container.name}`).sort()).toEqual(
      ["Job/web-migrate/migrate", "Job/web-migrate/provision-users", "Rollout/web/web"].sort(),
    );
    expect(containersOf(objects).flatMap(({ container }) => secretsReadBy(container))).not.toContain("web-database");
  });

  it("lets only its own VPC (config network.cidr) reach the pods and be reached on the database and HTTPS ports", () => {
    const policy = find(objects, "NetworkPolicy").spec!;
    expect(policy.ingress[0].from).toEqual([{ ipBlock: { cidr: config.network.cidr } }]);
    expect(policy.egress[1].to).toEqual([{ ipBlock: { cidr: config.network.cidr } }]);
  });

  it("alerts on error rate, latency, restarts, CPU and memory", () => {
    const alerts = find(objects, "PrometheusRule").spec!.groups.flatMap((group: { rules: { alert: string }[] }) => group.rules.map((rule) => rule.alert));
    expect(alerts).toEqual(["WebHighErrorRate", "WebHighLatency", "WebPodRestarting", "WebHighCpu", "WebHighMemory"]);
  });
});

describe("differences between environments", () => {
  const production = ENVIRONMENTS.filter((environment) => shippedEnvironment(environment).isProduction);
  const belowProduction = ENVIRONMENTS.filter((environment) => !shippedEnvironment(environment).isProduction);

  it("never promotes automatically in production, and does below it (unless the config says otherwise)", () => {
    expect(production.length).toBeGreaterThan(0);
    expect(belowProduction.length).toBeGreaterThan(0);
    const autoPromotion = (environment: string) => find(rendered[environment], "Rollout").spec!.strategy.blueGreen.autoPromotionEnabled;
    for (const environment of ENVIRONMENTS) {
      const config = shippedEnvironment(environment);
      expect(autoPromotion(environment)).toBe(config.edge!.application.autoPromotion ?? !config.isProduction);
    }
  });

  it("scales each environment between its configured replicas and maxReplicas, over the base's default of 2 to 10 pods", () => {
    const range = (environment: string) => {
      const spec = find(rendered[environment], "HorizontalPodAutoscaler").spec!;
      return [spec.minReplicas, spec.maxReplicas];
    };
    for (const environment of ENVIRONMENTS) {
      const { replicas, maxReplicas } = shippedEnvironment(environment).edge!.application;
      expect(range(environment)).toEqual([replicas, maxReplicas]);
    }
    expect(find(kustomize(path.join(GITOPS_DIR, "base")), "HorizontalPodAutoscaler").spec).toMatchObject({ minReplicas: 2, maxReplicas: 10 });
  });
});

describe("the checks themselves", () => {
  const broken = kustomize(path.join(FIXTURES, "broken-overlay"));

  it("reject an object that breaks its schema", () => {
    const rollout = validateObject(find(broken, "Rollout"));
    expect(rollout.problems.join("\n")).toMatch(/replicas must be integer/);
    const hpa = validateObject(find(broken, "HorizontalPodAutoscaler"));
    expect(hpa.problems.join("\n")).toMatch(/maxReplicas/);
  });

  it("reject a target group binding without a target group", () => {
    expect(validateObject(find(broken, "TargetGroupBinding")).problems).toContain("spec.targetGroupARN must be an elasticloadbalancing ARN");
  });

  it("reject a kind that has no schema model instead of passing it", () => {
    const unknown = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } };
    expect(validateObject(unknown).problems).toEqual(["no schema model for example.com/v1/Widget"]);
  });

  it("reject a workload without probes, with root, a writable root filesystem, the latest tag and one replica", () => {
    const problems = workloadProblems(broken.map((object) => (object.kind === "Rollout" ? { ...object, spec: { ...object.spec, replicas: 1 } } : object)));
    expect(problems).toEqual(
      expect.arrayContaining([
        "Rollout/web container web: has no livenessProbe",
        "Rollout/web container web: root filesystem must be read-only",
        "Rollout/web container web: must run as non-root",
        "Rollout/web container web: image example/web:latest is not pinned to a tag other than latest or to a digest",
        "Rollout/web: runs fewer than 2 replicas",
        "Rollout/web: its HPA web may scale below 2 replicas",
      ]),
    );
  });

  it("tell pinned images from floating ones", () => {
    expect(isPinnedImage("registry.example.com:5000/web")).toBe(false);
    expect(isPinnedImage("web:latest")).toBe(false);
    expect(isPinnedImage("web:1.4.2")).toBe(true);
    expect(isPinnedImage(`web@sha256:${"a".repeat(64)}`)).toBe(true);
  });
});
