import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { EnvironmentConfig, validateEnvironment } from "../../config";
import { committedEnvironments, SHIPPED_CONFIG_DIR, shippedEnvironments, testEnvironment, tier } from "../support/environments";
import { Json, synthPlatform } from "../support/platform";
import { retentionSizeFor } from "../../constructs/addons/kube-prometheus-stack";
import { BUILT_IN_INDEX_TEMPLATES } from "../../constructs/addons/elasticsearch";

const prod = synthPlatform(tier.production);
const dev = synthPlatform(tier.development);
const staging = synthPlatform(tier.staging);
/** The shipped environments that run Elasticsearch (the config turns it on per environment). */
const withElasticsearch = shippedEnvironments().filter((environment) => environment.platform.elasticsearch.enabled);

/** The add-ons a config may leave off (off by default), by their release. */
const OPTIONAL = { "cert-manager": "certManager", "external-dns": "externalDns", "eck-operator": "elasticsearch", vault: "vault" } as const;

/**
 * An environment from its own file with every optional add-on it leaves off switched on (their defaults otherwise):
 * what the add-on contract tests inspect, so an adopter's choice to run without one does not leave its release untested.
 */
function withEveryAddOn(environment: EnvironmentConfig): EnvironmentConfig {
  const file = path.join(SHIPPED_CONFIG_DIR, `${environment.name}.yaml`);
  const document = parseDocument(fs.readFileSync(file, "utf8"));
  for (const key of Object.values(OPTIONAL)) if (!environment.platform[key].enabled) document.setIn(["platform", key, "enabled"], true);
  const result = validateEnvironment(environment.name, file, document.toJSON());
  if ("problems" in result) throw new Error(result.problems.map((problem) => `${problem.location}: ${problem.message}`).join("\n"));
  return result.environment;
}

/** Production with every add-on: the shipped production itself when it runs them all. */
const full = Object.values(OPTIONAL).every((key) => tier.production.platform[key].enabled) ? prod : synthPlatform(withEveryAddOn(tier.production));

const CHART_RELEASES = [
  "aws-load-balancer-controller",
  "cluster-autoscaler",
  "metrics-server",
  "cert-manager",
  "external-dns",
  "external-secrets",
  "kube-prometheus-stack",
  "eck-operator",
  "fluent-bit",
  "argo-cd",
  "argo-rollouts",
  "argocd-image-updater",
  "vault",
];

describe("PlatformStack: providers and the add-on contract", () => {
  test("helm and kubernetes reach the cluster with a fresh `aws eks get-token`, never a stored token", () => {
    const helm = (prod.stack.provider?.helm as Record<string, any>[])[0].kubernetes;
    const kubernetes = (prod.stack.provider?.kubernetes as Record<string, any>[])[0];
    for (const connection of [helm, kubernetes]) {
      const exec = Array.isArray(connection.exec) ? connection.exec[0] : connection.exec;
      expect(exec.command).toBe("aws");
      expect(exec.args).toEqual(["eks", "get-token", "--cluster-name", tier.production.prefix, "--region", tier.production.account.region, "--output", "json"]);
      expect(connection.token).toBeUndefined();
      expect(connection.host).toContain("eks.amazonaws.com");
    }
  });

  test("every add-on of the issue installs; an environment installs the optional ones its config enables, and the repository's production all", () => {
    expect(Object.keys(full.releases)).toEqual(expect.arrayContaining(CHART_RELEASES));
    const production = committedEnvironments().find((environment) => environment.isProduction)!;
    expect(Object.values(OPTIONAL).filter((key) => !production.platform[key].enabled)).toEqual([]);
    for (const environment of shippedEnvironments()) {
      const releases = Object.keys(synthPlatform(environment).releases);
      // The autoscaler the cluster section chose installs; the other one does not.
      const otherAutoscaler = environment.cluster.autoscaler === "karpenter" ? "cluster-autoscaler" : "karpenter";
      const off = [
        ...Object.entries(OPTIONAL)
          .filter(([, key]) => !environment.platform[key].enabled)
          .map(([release]) => release),
        otherAutoscaler,
      ];
      expect(releases).toEqual(expect.arrayContaining(CHART_RELEASES.filter((release) => !off.includes(release))));
      expect(releases.filter((release) => off.includes(release))).toEqual([]);
    }
    // The repository's own development environment leaves Elasticsearch out.
    expect(committedEnvironments().find((environment) => environment.tier === "development")!.platform.elasticsearch.enabled).toBe(false);
  });

  test("each add-on installs its upstream project's chart from that project's repository", () => {
    const sources = Object.fromEntries(
      Object.values(full.releases)
        .filter((release) => release.repository)
        .map((release) => [release.name, `${release.chart} ${release.repository}`]),
    );
    expect(sources).toEqual({
      "aws-load-balancer-controller": "aws-load-balancer-controller https://aws.github.io/eks-charts",
      "cluster-autoscaler": "cluster-autoscaler https://kubernetes.github.io/autoscaler",
      "metrics-server": "metrics-server https://kubernetes-sigs.github.io/metrics-server/",
      "cert-manager": "cert-manager https://charts.jetstack.io",
      "external-dns": "external-dns https://kubernetes-sigs.github.io/external-dns/",
      "external-secrets": "external-secrets https://charts.external-secrets.io",
      "kube-prometheus-stack": "kube-prometheus-stack https://prometheus-community.github.io/helm-charts",
      "opentelemetry-collector": "opentelemetry-collector https://open-telemetry.github.io/opentelemetry-helm-charts",
      "eck-operator": "eck-operator https://helm.elastic.co",
      kyverno: "kyverno https://kyverno.github.io/kyverno/",
      "fluent-bit": "fluent-bit https://fluent.github.io/helm-charts",
      "argo-cd": "argo-cd https://argoproj.github.io/argo-helm",
      "argo-rollouts": "argo-rollouts https://argoproj.github.io/argo-helm",
      "argocd-image-updater": "argocd-image-updater https://argoproj.github.io/argo-helm",
      vault: "vault https://helm.releases.hashicorp.com",
      velero: "velero https://vmware-tanzu.github.io/helm-charts",
    });
  });

  test("every release is pinned, atomic, cleaned up on failure, waited for, time-limited and keeps a short history", () => {
    for (const release of Object.values(full.releases)) {
      expect(release).toMatchObject({ atomic: true, cleanup_on_fail: true, wait: true, max_history: 5 });
      expect(release.timeout).toBeGreaterThanOrEqual(300);
      if (release.repository) expect(release.version).toMatch(/^v?\d+\.\d+\.\d+$/);
    }
  });

  test("each add-on's namespace enforces Pod Security, restricted unless it says why not", () => {
    const labels = Object.fromEntries(full.resources("kubernetes_namespace_v1").map((namespace) => [namespace.metadata.name, namespace.metadata.labels]));
    for (const name of ["cert-manager", "external-dns", "external-secrets", "argocd", "argo-rollouts", "vault"]) {
      expect(labels[name]["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    }
    // node-exporter and Fluent Bit need host access; they still audit and warn at restricted.
    expect(labels.monitoring).toMatchObject({ "pod-security.kubernetes.io/enforce": "privileged", "pod-security.kubernetes.io/warn": "restricted" });
    expect(labels.logging["pod-security.kubernetes.io/enforce"]).toBe("privileged");
    // The ECK operator's chart cannot add the seccomp profile restricted requires.
    expect(labels["elastic-system"]["pod-security.kubernetes.io/enforce"]).toBe("baseline");
    expect(labels["kube-system"]).toBeUndefined();
  });

  test("the user's values from config are merged over the add-on's and win; the version can be overridden", () => {
    const environment = testEnvironment({
      platform: {
        metricsServer: { version: "3.12.2", values: { replicas: 3, resources: { requests: { cpu: "250m" } }, args: ["--kubelet-insecure-tls"] } },
      },
    });
    const platform = synthPlatform(environment);
    const values = platform.values("metrics-server");
    expect(values.replicas).toBe(3);
    expect(values.resources.requests).toEqual({ cpu: "250m", memory: "200Mi" });
    expect(values.priorityClassName).toBe("system-cluster-critical");
    expect(values.args).toEqual(["--kubelet-insecure-tls"]);
    expect(platform.release("metrics-server").version).toBe("3.12.2");
  });

  test("switching an add-on off in config removes its release, namespace and IAM role", () => {
    const environment = testEnvironment({ platform: { vault: { enabled: false }, argocdImageUpdater: { enabled: false } } });
    const platform = synthPlatform(environment);
    expect(platform.releases.vault).toBeUndefined();
    expect(platform.releases["argocd-image-updater"]).toBeUndefined();
    expect(platform.resources("kubernetes_namespace_v1").map((namespace) => namespace.metadata.name)).not.toContain("vault");
    expect(platform.resources("aws_iam_role").map((role) => role.name)).not.toContain("shop-test-vault");
  });

  test("every release waits for the load balancer controller, whose webhooks intercept Services and Pods", () => {
    for (const name of CHART_RELEASES.filter((release) => release !== "aws-load-balancer-controller")) {
      expect(full.waitsFor(name, "helm_release.AddOns_awsLoadBalancerController")).toBe(true);
    }
  });

  test("objects of CRDs are applied after the release that installs the CRDs", () => {
    expect(full.waitsFor("cert-manager-config", "helm_release.AddOns_certManager_")).toBe(true);
    expect(full.waitsFor("platform-secrets", "helm_release.AddOns_externalSecrets_")).toBe(true);
    expect(full.waitsFor("eck-operator-config", "helm_release.AddOns_elasticsearch_")).toBe(true);
    // Releases that read delivered Secrets wait for the ExternalSecrets; ServiceMonitor users wait for the operator.
    expect(full.waitsFor("kube-prometheus-stack", "helm_release.AddOns_Secrets_")).toBe(true);
    expect(full.waitsFor("argo-cd", "helm_release.AddOns_Secrets_")).toBe(true);
    expect(full.waitsFor("fluent-bit", "helm_release.AddOns_elasticsearchManifests_")).toBe(true);
    for (const name of ["argo-rollouts", "argo-cd", "fluent-bit", "vault"]) {
      expect(full.waitsFor(name, "helm_release.AddOns_kubePrometheusStack_")).toBe(true);
    }
    expect(full.waitsFor("argocd-image-updater", "helm_release.AddOns_argoCd_")).toBe(true);
  });

  test("values interpolate only Terraform references: `${` meant for a program is escaped as `$${`", () => {
    for (const platform of [dev, staging, prod]) {
      for (const release of Object.values(platform.releases)) {
        const interpolations = (release.values as string[]).join("\n").match(/(?<!\$)\$\{[^}]*\}/g) ?? [];
        for (const interpolation of interpolations) expect(interpolation).toMatch(/^\$\{(aws_|kubernetes_|terraform_data\.|data\.terraform_remote_state)/);
      }
    }
  });

  test("no values carry a password, token or webhook URL in plain text", () => {
    for (const platform of [dev, staging, prod]) {
      const text = Object.values(platform.releases)
        .map((release) => (release.values as string[]).join("\n"))
        .join("\n");
      expect(text).not.toMatch(/adminPassword|hooks\.slack\.com|routing_key:|clientSecret: (?!\$argocd-oidc)/);
    }
  });
});

describe("containers the platform writes itself", () => {
  /** What the restricted Pod Security level requires of a container, given its pod's securityContext. */
  const restricted = (container: Json, pod: Json = {}) => {
    const security = container.securityContext ?? container.security_context ?? {};
    return {
      allowPrivilegeEscalation: security.allowPrivilegeEscalation ?? security.allow_privilege_escalation,
      drop: security.capabilities?.drop,
      runAsNonRoot: security.runAsNonRoot ?? security.run_as_non_root ?? pod.runAsNonRoot,
      seccomp: (security.seccompProfile ?? security.seccomp_profile ?? pod.seccompProfile)?.type,
    };
  };
  const RESTRICTED = { allowPrivilegeEscalation: false, drop: ["ALL"], runAsNonRoot: true, seccomp: "RuntimeDefault" };

  test("Jobs of the manifests releases (Vault setup, Elasticsearch lifecycle) run restricted, with a read-only root", () => {
    for (const release of ["vault-config", "eck-operator-config"]) {
      for (const job of full.manifests(release).filter((object) => object.kind === "Job")) {
        const spec = job.spec.template.spec;
        for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
          expect(restricted(container, spec.securityContext)).toEqual(RESTRICTED);
          expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
        }
      }
    }
  });

  test("the tracing collector and the Vault servers run restricted; only Vault's root filesystem is writable", () => {
    const collector = prod.values("opentelemetry-collector");
    expect(restricted({ securityContext: collector.securityContext }, collector.podSecurityContext)).toEqual(RESTRICTED);
    expect(collector.securityContext.readOnlyRootFilesystem).toBe(true);
    const vault = prod.values("vault").server.statefulSet.securityContext.container;
    expect(restricted({ securityContext: vault })).toEqual(RESTRICTED);
    expect(vault.readOnlyRootFilesystem).toBe(false);
  });

  test("the Argo CD backup CronJob's containers run restricted as the argocd user, with a read-only root", () => {
    const [cronJob] = prod.resources("kubernetes_cron_job_v1");
    const pod = cronJob.spec.job_template.spec.template.spec;
    for (const container of [...pod.init_container, ...pod.container]) {
      expect(restricted(container)).toEqual(RESTRICTED);
      expect(container.security_context).toMatchObject({ read_only_root_filesystem: true, run_as_user: "999" });
    }
  });
});

describe("controllers", () => {
  test("the load balancer controller gets region and VPC id explicitly and the cluster layer's IRSA role", () => {
    const values = prod.values("aws-load-balancer-controller");
    expect(values).toMatchObject({ clusterName: tier.production.prefix, region: tier.production.account.region, vpcId: "vpc-0123456789abcdef0" });
    expect(values.serviceAccount.name).toBe("aws-load-balancer-controller");
    expect(values.serviceAccount.annotations["eks.amazonaws.com/role-arn"]).toContain("LoadBalancerController");
    expect(values.priorityClassName).toBe("system-cluster-critical");
    expect(values.replicaCount).toBe(2);
    expect(values.topologySpreadConstraints).toHaveLength(2);
  });

  test("the cluster autoscaler runs the image of the cluster's minor, discovers node groups by tag and balances them", () => {
    const values = prod.values("cluster-autoscaler");
    expect(values.image.tag).toBe("v1.33.0");
    expect(values.autoDiscovery.clusterName).toBe(tier.production.prefix);
    expect(values.customArgs).toEqual(expect.arrayContaining(["--expander=least-waste", "--balance-similar-node-groups=true"]));
    expect(values.rbac.serviceAccount.annotations["eks.amazonaws.com/role-arn"]).toContain("ClusterAutoscaler");
    expect(values).toMatchObject({ replicaCount: 2, priorityClassName: "system-cluster-critical" });
  });

  test("the autoscaler's expander comes from config", () => {
    const platform = synthPlatform(testEnvironment({ platform: { clusterAutoscaler: { expander: "priority" } } }));
    expect(platform.values("cluster-autoscaler").customArgs).toContain("--expander=priority");
  });

  test("metrics-server runs two replicas with a PDB in production and one elsewhere", () => {
    expect(prod.values("metrics-server")).toMatchObject({ replicas: 2, podDisruptionBudget: { enabled: true, minAvailable: 1 } });
    expect(dev.values("metrics-server")).toMatchObject({ replicas: 1, podDisruptionBudget: { enabled: false } });
    expect(dev.values("metrics-server").topologySpreadConstraints).toEqual([]);
  });

  test("the default StorageClass encrypts with the cluster's node volume key (the one the EBS CSI driver is granted), not aws/ebs", () => {
    const [storageClass] = prod.resources("kubernetes_storage_class_v1");
    expect(storageClass.parameters.kmsKeyId).toMatch(/^\$\{data\.terraform_remote_state\.[^}]*VolumeKey[^}]*\}$|aws_kms_key/);
    expect(JSON.stringify(storageClass.parameters)).not.toContain("aws/ebs");
  });

  test("the default StorageClass is encrypted gp3 from the EBS CSI driver, retained in production", () => {
    const [storageClass] = prod.resources("kubernetes_storage_class_v1");
    expect(storageClass).toMatchObject({
      storage_provisioner: "ebs.csi.aws.com",
      parameters: { type: "gp3", encrypted: "true" },
      volume_binding_mode: "WaitForFirstConsumer",
      reclaim_policy: "Retain",
      allow_volume_expansion: true,
    });
    expect(storageClass.metadata.annotations["storageclass.kubernetes.io/is-default-class"]).toBe("true");
    expect(dev.resources("kubernetes_storage_class_v1")[0].reclaim_policy).toBe("Delete");
  });

  test("cert-manager issues from Let's Encrypt staging and production with DNS-01 in Route53 through IRSA", () => {
    const issuers = prod.manifests("cert-manager-config").filter((object) => object.spec.acme);
    expect(issuers.map((issuer) => [issuer.kind, issuer.metadata.name])).toEqual([
      ["ClusterIssuer", "letsencrypt-staging"],
      ["ClusterIssuer", "letsencrypt-production"],
    ]);
    expect(issuers[1].spec.acme).toMatchObject({
      server: "https://acme-v02.api.letsencrypt.org/directory",
      email: tier.production.platform.certManager.acmeEmail,
      solvers: [{ dns01: { route53: { region: tier.production.account.region } } }],
    });
    const values = prod.values("cert-manager");
    expect(values.serviceAccount.annotations["eks.amazonaws.com/role-arn"]).toContain("aws_iam_role");
    expect(values.crds).toEqual({ enabled: true, keep: true });
    expect(values.webhook).toMatchObject({ replicaCount: 2, podDisruptionBudget: { enabled: true } });
    const role = prod.resources("aws_iam_role_policy").find((policy) => String(policy.role).includes("certManager"));
    expect(role?.policy).toContain(`hostedzone/${tier.production.edge!.hostedZoneId}`);
  });

  test("external-dns only upserts in production, owns records by environment and stays in its zones", () => {
    const values = prod.values("external-dns");
    expect(values).toMatchObject({ policy: "upsert-only", txtOwnerId: tier.production.prefix, domainFilters: [tier.production.edge!.domainName] });
    expect(values.extraArgs).toEqual([`--zone-id-filter=${tier.production.edge!.hostedZoneId}`]);
    expect(dev.values("external-dns").policy).toBe("sync");
  });
});

describe("secrets", () => {
  test("External Secrets runs HA with PDBs in production", () => {
    const values = prod.values("external-secrets");
    for (const component of [values, values.webhook, values.certController]) {
      expect(component).toMatchObject({ replicaCount: 2, podDisruptionBudget: { enabled: true }, priorityClassName: "system-cluster-critical" });
    }
    expect(values.leaderElect).toBe(true);
  });
});

describe("observability", () => {
  test("Prometheus deletes its oldest data before the volume fills: retentionSize is below the volume size", () => {
    for (const stack of [prod, dev]) {
      const spec = stack.values("kube-prometheus-stack").prometheus.prometheusSpec;
      const volumeMiB = Number(/^(\d+)Gi$/.exec(spec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage)![1]) * 1024;
      const [, retainedMiB] = /^(\d+)MiB$/.exec(spec.retentionSize)!;
      expect(Number(retainedMiB)).toBeLessThan(volumeMiB);
      expect(Number(retainedMiB)).toBeGreaterThan(volumeMiB * 0.5);
    }
    expect(retentionSizeFor("50Gi")).toBe("43520MiB");
    expect(retentionSizeFor("2Ti")).toBe("1782579MiB");
  });

  test("Prometheus keeps the configured retention on a gp3 volume of the configured size, two replicas in prod", () => {
    const spec = prod.values("kube-prometheus-stack").prometheus.prometheusSpec;
    expect(spec.retention).toBe("30d");
    expect(spec.storageSpec.volumeClaimTemplate.spec).toMatchObject({ resources: { requests: { storage: "200Gi" } } });
    expect(spec.storageSpec.volumeClaimTemplate.spec.storageClassName).toContain("kubernetes_storage_class_v1.DefaultStorageClass");
    expect(spec.replicas).toBe(2);
    expect(dev.values("kube-prometheus-stack").prometheus.prometheusSpec).toMatchObject({ retention: "3d", replicas: 1 });
  });

  test("Prometheus selects ServiceMonitors, PodMonitors and rules of every namespace and release", () => {
    expect(prod.values("kube-prometheus-stack").prometheus.prometheusSpec).toMatchObject({
      serviceMonitorSelectorNilUsesHelmValues: false,
      podMonitorSelectorNilUsesHelmValues: false,
      ruleSelectorNilUsesHelmValues: false,
    });
  });

  test("Alertmanager routes by severity to the configured receivers, reading their secrets from files", () => {
    const alertmanager = prod.values("kube-prometheus-stack").alertmanager;
    const routes = alertmanager.config.route.routes;
    expect(routes[0]).toEqual({ receiver: "null", matchers: ['alertname = "Watchdog"'] });
    expect(routes.slice(1)).toEqual([
      { receiver: "platform-pagerduty", matchers: ['severity = "critical"'], continue: true },
      { receiver: "platform-slack", matchers: ['severity = "warning"'], continue: true },
      { receiver: "platform-email", matchers: ['severity = "warning"'], continue: true },
    ]);
    expect(alertmanager.config.receivers).toContainEqual({
      name: "platform-pagerduty",
      pagerduty_configs: [{ routing_key_file: "/etc/alertmanager/receivers/platform-pagerduty", send_resolved: true }],
    });
    // No receiver: every severity goes to the null receiver, and Alertmanager still loads.
    expect(dev.values("kube-prometheus-stack").alertmanager.config.route.routes).toEqual([
      { receiver: "null", matchers: ['alertname = "Watchdog"'] },
      { receiver: "null", matchers: ['severity = "critical"'], continue: true },
      { receiver: "null", matchers: ['severity = "warning"'], continue: true },
    ]);
  });

  test("Grafana's admin comes from the delivered Secret, never the chart default", () => {
    const grafana = prod.values("kube-prometheus-stack").grafana;
    expect(grafana.admin).toEqual({ existingSecret: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" });
    expect(grafana.adminPassword).toBeUndefined();
  });

  test("the platform alert rules cover node CPU and memory, restarts, not-ready pods, HPAs at max and full volumes", () => {
    const rules = prod.values("kube-prometheus-stack").additionalPrometheusRulesMap["platform-alerts"].groups[0].rules;
    expect(rules.map((rule: { alert: string }) => rule.alert)).toEqual([
      "NodeCpuHigh",
      "NodeMemoryHigh",
      "PodRestartingOften",
      "PodNotReady",
      "HpaAtMaxReplicas",
      "PersistentVolumeAlmostFull",
    ]);
  });

  test("Fluent Bit writes to a KMS-encrypted log group with the configured retention through its IRSA role", () => {
    const logGroup = prod.resources("aws_cloudwatch_log_group").find((group) => group.name === `/aws/eks/${tier.production.prefix}/containers`);
    expect(logGroup).toMatchObject({ retention_in_days: 365 });
    expect(logGroup?.kms_key_id).toContain("aws_kms_key");
    const values = prod.values("fluent-bit");
    expect(values.config.outputs).toContain("Name cloudwatch_logs");
    expect(values.config.outputs).toContain(`log_group_name /aws/eks/${tier.production.prefix}/containers`);
    expect(values.serviceAccount.annotations["eks.amazonaws.com/role-arn"]).toContain("aws_iam_role");
    expect(dev.resources("aws_cloudwatch_log_group")[0].retention_in_days).toBe(7);
  });

  test("Fluent Bit also ships to Elasticsearch, over verified TLS, only where the config enables it", () => {
    // The repository's own config runs Elasticsearch somewhere; an adopter's may run it nowhere.
    expect(committedEnvironments().some((environment) => environment.platform.elasticsearch.enabled)).toBe(true);
    for (const environment of shippedEnvironments()) {
      const outputs = synthPlatform(environment).values("fluent-bit").config.outputs;
      if (!environment.platform.elasticsearch.enabled) {
        expect(outputs).not.toContain("Name es");
        continue;
      }
      expect(outputs).toContain("Name es");
      expect(outputs).toContain("tls.verify On");
      // `$${` is Terraform's escape: Fluent Bit receives ${ELASTIC_PASSWORD} and reads the env var.
      expect(outputs).toContain("HTTP_Passwd $${ELASTIC_PASSWORD}");
    }
  });

  test("ECK runs Elasticsearch over the configured spread nodes, and Kibana (two in production), where the config enables it", () => {
    for (const environment of withElasticsearch) {
      const objects = synthPlatform(environment).manifests("eck-operator-config");
      const cluster = objects.find((object) => object.kind === "Elasticsearch")!;
      const kibana = objects.find((object) => object.kind === "Kibana")!;
      const { nodes, storageSize } = environment.platform.elasticsearch;
      expect(cluster).toMatchObject({ kind: "Elasticsearch", spec: { nodeSets: [{ count: nodes }] } });
      expect(cluster.spec.nodeSets[0].volumeClaimTemplates[0].spec.resources.requests.storage).toBe(storageSize);
      expect(cluster.spec.nodeSets[0].podTemplate.spec.topologySpreadConstraints).toHaveLength(2);
      expect(kibana).toMatchObject({ kind: "Kibana", spec: { elasticsearchRef: { name: "elasticsearch" }, count: environment.isProduction ? 2 : 1 } });
    }
  });
});

describe("Elasticsearch: a disk that does not fill, a writer that cannot do more than write", () => {
  // The first environment that runs it; where none does (an adopter's choice), production with it switched on.
  const environment = withElasticsearch[0] ?? withEveryAddOn(tier.production);
  const platform = synthPlatform(environment);
  const objects = platform.manifests("eck-operator-config");
  const named = (kind: string, name: string) => objects.find((object) => object.kind === kind && object.metadata.name === name)!;

  test("Fluent Bit logs in as its own file-realm user, whose Secret and role ECK is given, never as elastic", () => {
    const outputs = platform.values("fluent-bit").config.outputs as string;
    expect(outputs).toMatch(/HTTP_User fluent-bit\n/);
    expect(outputs).not.toMatch(/HTTP_User elastic\b/);
    expect(platform.values("fluent-bit").env).toEqual([
      { name: "ELASTIC_PASSWORD", valueFrom: { secretKeyRef: { name: "fluent-bit-es-user", key: "password" } } },
    ]);
    const cluster = named("Elasticsearch", "elasticsearch");
    const user = named("Secret", cluster.spec.auth.fileRealm[0].secretName);
    expect(user).toMatchObject({ type: "kubernetes.io/basic-auth", stringData: { username: "fluent-bit", roles: "fluent_bit_writer" } });
    // Generated once by Terraform (terraform_data keeps it), never a literal in the code.
    expect(user.stringData.password).toMatch(/^\$\{terraform_data\.[^.]+\.output\.password\}$/);
    expect(platform.resources("terraform_data")[0].lifecycle).toEqual({ ignore_changes: ["input"] });
    const roles = JSON.parse(named("Secret", cluster.spec.auth.roles[0].secretName).stringData["roles.yml"]);
    expect(Object.keys(roles)).toEqual(["fluent_bit_writer"]);
  });

  test("the Fluent Bit role cannot read, delete or administer: attacking it with each escalating privilege fails", () => {
    const cluster = named("Elasticsearch", "elasticsearch");
    const role = JSON.parse(named("Secret", cluster.spec.auth.roles[0].secretName).stringData["roles.yml"]).fluent_bit_writer;
    const granted = new Set<string>(role.indices.flatMap((entry: { privileges: string[] }) => entry.privileges));
    for (const escalation of ["all", "read", "write", "delete", "delete_index", "manage", "manage_ilm", "index", "monitor"])
      expect([escalation, granted.has(escalation)]).toEqual([escalation, false]);
    for (const escalation of ["all", "manage", "manage_security", "manage_ilm", "manage_index_templates"]) expect(role.cluster).not.toContain(escalation);
    expect(role.indices.map((entry: { names: string[] }) => entry.names)).toEqual([["logstash-*"]]);
    // The indices it may write are the ones Fluent Bit's output creates (Logstash_Format, default prefix logstash).
    expect(platform.values("fluent-bit").config.outputs).toContain("Logstash_Format On");
  });

  test("a lifecycle policy deletes each day's log index after the configured retention, bound to the log indices", () => {
    const job = objects.find((object) => object.kind === "Job" && object.metadata.name.startsWith("elasticsearch-log-lifecycle"))!;
    const script = job.spec.template.spec.containers[0].command[2] as string;
    const bodies = [...script.matchAll(/-d '([^']+)'/g)].map(([, body]) => JSON.parse(body));
    expect(bodies[0].policy.phases.delete).toEqual({ min_age: `${environment.platform.elasticsearch.retentionDays}d`, actions: { delete: {} } });
    expect(script).toContain("_ilm/policy/logs-retention");
    expect(bodies[1]).toMatchObject({ index_patterns: ["logstash-*"], template: { settings: { "index.lifecycle.name": "logs-retention" } } });
    expect(job.spec.template.spec.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
  });

  test("issue 20 break 4: the index template has a name of its own, so Elasticsearch never re-installs a built-in over it", () => {
    const job = objects.find((object) => object.kind === "Job" && object.metadata.name.startsWith("elasticsearch-log-lifecycle"))!;
    const script = job.spec.template.spec.containers[0].command[2] as string;
    const [name] = [...script.matchAll(/_index_template\/([^ ]+) -d/g)].map(([, each]) => each);
    expect(BUILT_IN_INDEX_TEMPLATES).not.toContain(name);
    expect(name).not.toBe("logs");
    // It binds the indices Fluent Bit writes, above the built-ins' priority (100).
    const body = JSON.parse([...script.matchAll(/-d '([^']+)'/g)][1][1]);
    expect(body.index_patterns).toEqual(["logstash-*"]);
    expect(body.priority).toBeGreaterThan(100);
  });

  test("issue 20 break 4: the retention setup is no Helm hook, so a slow cold cluster cannot make atomic uninstall the data", () => {
    const job = objects.find((object) => object.kind === "Job" && object.metadata.name.startsWith("elasticsearch-log-lifecycle"))!;
    expect(Object.keys(job.metadata.annotations ?? {}).filter((key) => key.startsWith("helm.sh/hook"))).toEqual([]);
    const script = job.spec.template.spec.containers[0].command[2] as string;
    // It waits for Elasticsearch itself, before the first put.
    expect(script.indexOf("until ")).toBeGreaterThanOrEqual(0);
    expect(script.indexOf("_cluster/health")).toBeLessThan(script.indexOf("_ilm/policy"));
    // A changed script is a new Job (a Job's template is immutable).
    expect(job.metadata.name).toMatch(/^elasticsearch-log-lifecycle-[0-9a-f]{8}$/);
  });
});

describe("GitOps", () => {
  test("Argo CD runs HA in production and single in dev", () => {
    const values = prod.values("argo-cd");
    expect(values["redis-ha"].enabled).toBe(true);
    for (const component of ["server", "repoServer", "applicationSet"]) {
      expect(values[component]).toMatchObject({ replicas: 2, pdb: { enabled: true } });
    }
    expect(dev.values("argo-cd")["redis-ha"].enabled).toBe(false);
    expect(dev.values("argo-cd").server.replicas).toBe(1);
  });

  test("Argo CD is reached through an ALB ingress with TLS on its host name", () => {
    const ingress = prod.values("argo-cd").server.ingress;
    expect(ingress).toMatchObject({ enabled: true, controller: "aws", ingressClassName: "alb", hostname: tier.production.platform.argoCd.hostname });
    expect(ingress.annotations["alb.ingress.kubernetes.io/listen-ports"]).toBe('[{"HTTPS":443}]');
  });

  test("with SSO configured the local admin is disabled and OIDC reads its client secret from a Secret", () => {
    const cm = prod.values("argo-cd").configs.cm;
    expect(cm["admin.enabled"]).toBe(false);
    expect(cm["oidc.config"]).toContain(`issuer: ${tier.production.platform.argoCd.sso!.issuer}`);
    expect(cm["oidc.config"]).toContain("clientSecret: $argocd-oidc:clientSecret");
    expect(dev.values("argo-cd").configs.cm["admin.enabled"]).toBe(true);
  });

  test("Argo CD's configuration is backed up daily to a versioned, KMS-encrypted, access-logged bucket by a CronJob with its own role", () => {
    const [cronJob] = prod.resources("kubernetes_cron_job_v1");
    expect(cronJob.spec.schedule).toBe("17 3 * * *");
    const pod = cronJob.spec.job_template.spec.template.spec;
    expect(pod.service_account_name).toContain("kubernetes_service_account_v1");
    expect(pod.init_container[0].command.join(" ")).toContain("argocd admin export");
    expect(pod.container[0].command.join(" ")).toContain(`s3://${tier.production.prefix}-argocd-backup-${tier.production.account.id}/argocd/`);
    const bucket = prod
      .resources("aws_s3_bucket")
      .find((candidate) => candidate.bucket === `${tier.production.prefix}-argocd-backup-${tier.production.account.id}`);
    expect(bucket).toBeDefined();
    expect(prod.resources("aws_s3_bucket_versioning")[0].versioning_configuration.status).toBe("Enabled");
    // The backup bucket's own resources; its access-log bucket (SSE-S3, as S3 log delivery requires) has the same kinds.
    const ofBackupBucket = (type: string) => prod.resources(type).filter((candidate) => String(candidate.bucket).includes("_Backup_Bucket_"));
    const [encryption] = ofBackupBucket("aws_s3_bucket_server_side_encryption_configuration");
    expect(encryption.rule[0].apply_server_side_encryption_by_default.sse_algorithm).toBe("aws:kms");
    expect(ofBackupBucket("aws_s3_bucket_logging")[0].target_bucket).toBe(`${tier.production.prefix}-argocd-backup-${tier.production.account.id}-access-logs`);
    const role = prod.resources("aws_iam_role").find((candidate) => candidate.name === `${tier.production.prefix}-argocd-backup`);
    expect(role?.assume_role_policy).toContain("system:serviceaccount:argocd:argocd-backup");
    expect(dev.resources("kubernetes_cron_job_v1")).toHaveLength(0);
  });

  test("backups are kept 90 days unless the config says otherwise", () => {
    const lifecycleOf = (platform: typeof prod) =>
      platform.resources("aws_s3_bucket_lifecycle_configuration").find((candidate) => String(candidate.bucket).includes("_Backup_Bucket_"))!;
    const days = (lifecycle: Json) =>
      lifecycle.rule.map((rule: Json) => rule.noncurrent_version_expiration?.[0]?.noncurrent_days ?? rule.expiration?.[0]?.days);
    expect(days(lifecycleOf(prod))).toContain(90);
    const shorter = synthPlatform(testEnvironment({ platform: { argoCd: { backup: { retentionDays: 30 } } } }));
    expect(days(lifecycleOf(shorter))).toContain(30);
    expect(days(lifecycleOf(shorter))).not.toContain(90);
  });

  test("Argo Rollouts runs two controllers with a PDB in production", () => {
    expect(prod.values("argo-rollouts").controller).toMatchObject({ replicas: 2, pdb: { enabled: true }, priorityClassName: "system-cluster-critical" });
  });

  test("the Image Updater logs in to this account's ECR through its IRSA role", () => {
    const values = prod.values("argocd-image-updater");
    expect(values.config.registries[0]).toMatchObject({
      prefix: `${tier.production.account.id}.dkr.ecr.${tier.production.account.region}.amazonaws.com`,
      credentials: "ext:/scripts/ecr-login.sh",
    });
    expect(values.authScripts.scripts["ecr-login.sh"]).toContain("get-authorization-token");
    const policy = prod.resources("aws_iam_role_policy").find((candidate) => String(candidate.role).includes("argocdImageUpdater"));
    expect(policy?.policy).toContain("ecr:GetAuthorizationToken");
  });
});

describe("Vault", () => {
  test("production runs three HA Raft servers that auto-unseal with KMS through IRSA", () => {
    const server = prod.values("vault").server;
    expect(server.ha).toMatchObject({ enabled: true, replicas: 3, raft: { enabled: true } });
    expect(server.ha.raft.config).toContain('seal "awskms"');
    expect(server.ha.raft.config).toContain("${aws_kms_key.");
    expect(server.ha.raft.config.match(/retry_join/g)).toHaveLength(3);
    expect(server.serviceAccount.annotations["eks.amazonaws.com/role-arn"]).toContain("aws_iam_role");
    expect(server.topologySpreadConstraints).toHaveLength(2);
  });

  test("one replica (development's) runs a standalone server with Raft storage", () => {
    const single = (environment: EnvironmentConfig) => environment.platform.vault.enabled && environment.platform.vault.replicas === 1;
    // The repository's own config runs one (development); an adopter's may run Vault in HA or not at all there.
    expect(committedEnvironments().some(single)).toBe(true);
    for (const environment of shippedEnvironments().filter(single)) {
      const server = synthPlatform(environment).values("vault").server;
      expect(server.ha.enabled).toBe(false);
      expect(server.standalone.enabled).toBe(true);
      expect(server.standalone.config).toContain('storage "raft"');
      expect(server.standalone.config).not.toContain("retry_join");
    }
  });

  test("the audit log has its own volume of the configured size", () => {
    const audit = prod.values("vault").server.auditStorage;
    expect(audit).toMatchObject({ enabled: true, size: "20Gi" });
    expect(audit.storageClass).toContain("kubernetes_storage_class_v1.DefaultStorageClass");
  });
});
