import { z } from "./zod";
import { ipv4Cidr, retentionDays } from "./common";

/** Chart versions are Helm's semver, with or without cert-manager's leading "v". */
const chartVersion = z.string().regex(/^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, "must be a chart version such as 1.21.1 or v1.21.1");

/** A Secrets Manager secret name (never its value): the path part of the secret's ARN. */
const secretName = z.string().regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, "must be a Secrets Manager secret name (letters, digits and /_+=.@-), not a value");

const hostname = z.string().regex(/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "must be a DNS host name such as argocd.example.com");

const hostedZoneId = z.string().regex(/^Z[A-Z0-9]{1,31}$/, "must be a Route53 hosted zone id such as Z0123456789ABCDEFGHIJ");

const kubernetesQuantity = z.string().regex(/^\d+(Mi|Gi|Ti)$/, "must be a storage size in Mi, Gi or Ti, e.g. 50Gi");

/**
 * The Elastic Stack versions the pinned ECK operator (eck-operator chart 3.5.0, ECK 3.5) manages, as its "supported
 * versions" page states: Elasticsearch and Kibana 7.17 and every later 7.x patch, 8.x and 9.x.
 */
export const ECK_SUPPORTED_STACK_VERSIONS = "7.17.0 or later, up to 9.x (ECK 3.5's supported versions)";

function eckSupports(version: string): boolean {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  return (major === 7 && minor >= 17) || major === 8 || major === 9;
}

/** Fields every Helm add-on has: a switch, a version override and values merged over the project's. */
function addOn<Shape extends z.ZodRawShape>(what: string, enabledByDefault: boolean, shape: Shape) {
  return (
    z
      .strictObject({
        enabled: z.boolean().default(enabledByDefault).describe(`Install ${what}.`),
        version: chartVersion.optional().describe("Chart version instead of the one the add-on pins (the values check must know it)."),
        values: z.record(z.string(), z.unknown()).default({}).describe("Helm values deep-merged over the project's values for this chart; yours win."),
        ...shape,
      })
      // Every field has a default, so {} is a valid input; zod cannot see that through the generic shape.
      .prefault({} as never)
      .describe(what)
  );
}

/**
 * A backup cron (UTC) whose interval the platform can read for its "backup late" alert: daily at H:M, every N hours,
 * or hourly at minute M. Day-of-month, month and weekday stay `*`.
 */
export const BACKUP_SCHEDULE = /^([0-5]?\d) (\*|\*\/([1-9]|1\d|2[0-4])|([01]?\d|2[0-3])) \* \* \*$/;

const backupSchedule = z
  .string()
  .regex(BACKUP_SCHEDULE, "must be a cron (UTC) of the form 'M H * * *' (daily), 'M */N * * *' (every N hours) or 'M * * * *' (hourly), e.g. '0 2 * * *'");

/** Hours between two runs of a `BACKUP_SCHEDULE` cron. */
export function backupIntervalHours(schedule: string): number {
  const match = BACKUP_SCHEDULE.exec(schedule);
  if (!match) throw new Error(`backupIntervalHours: "${schedule}" is not a backup schedule`);
  const hours = match[2] ?? "";
  if (hours === "*") return 1;
  return match[3] !== undefined ? Number(match[3]) : 24;
}

/** A value of the identity provider's `groups` claim; written unquoted into Argo CD's policy.csv, so no commas. */
const ssoGroup = z.string().regex(/^[^,\s](?:[^,\n]*[^,\s])?$/, "must be a group name of the identity provider's groups claim, without commas");

/** How the platform's ClusterPolicies act on a violation. */
export const KYVERNO_MODES = ["audit", "enforce"] as const;

/** An image prefix: a registry host (with an optional port) and optionally a repository path, without a tag. */
const imageRegistry = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?(\/[a-z0-9._-]+)*$/, "must be an image prefix such as registry.example.com or ghcr.io/my-org, without a tag");

export const ARGOCD_ACCESS_MODES = ["internal", "public"] as const;
export const CLUSTER_AUTOSCALER_EXPANDERS = ["least-waste", "random", "most-pods", "priority", "price"] as const;
export const ALERT_RECEIVER_TYPES = ["slack", "pagerduty", "email", "webhook"] as const;
/** The severities the platform's and the application's alert rules use. */
export const ALERT_SEVERITIES = ["critical", "warning"] as const;

/**
 * Where an alert of each severity goes when a receiver does not say: a page only for what cannot wait. It depends on
 * the receiver's type, so it is applied where receivers are routed (kube-prometheus-stack.ts), not as a zod default.
 */
export const DEFAULT_SEVERITIES: Record<(typeof ALERT_RECEIVER_TYPES)[number], readonly (typeof ALERT_SEVERITIES)[number][]> = {
  pagerduty: ["critical"],
  slack: ["warning"],
  email: ["warning"],
  webhook: ["critical", "warning"],
};

const alertReceiver = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,40}$/, "must be a short lower-case name (a-z, 0-9, '-')")
    .describe("Receiver name in Alertmanager's routing tree."),
  type: z.enum(ALERT_RECEIVER_TYPES).describe("How Alertmanager notifies: slack (webhook URL), pagerduty (routing key), email (SMTP password), webhook (URL)."),
  secretName: secretName.describe(
    "Secrets Manager secret holding the URL, routing key or SMTP password as a plain string: created empty by the platform, the value is yours to put; the receiver is silent until it exists.",
  ),
  channel: z.string().optional().describe("Slack channel, e.g. #alerts (slack only)."),
  severities: z
    .array(z.enum(ALERT_SEVERITIES))
    .min(1, "needs at least one severity")
    .optional()
    .describe(
      `Severities this receiver gets; when unset, by type: ${Object.entries(DEFAULT_SEVERITIES)
        .map(([type, severities]) => `${type} [${severities.join(", ")}]`)
        .join(", ")}. A severity no receiver takes goes to the others (critical: every receiver; warning: every receiver but pagerduty).`,
    ),
  email: z
    .strictObject({
      to: z.array(z.email("must be an e-mail address")).min(1, "needs at least one address").describe("Addresses the alerts go to."),
      from: z.email("must be an e-mail address").describe("Sender address."),
      smarthost: z
        .string()
        .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, "must be host:port of the SMTP server, e.g. email-smtp.eu-west-1.amazonaws.com:587")
        .describe("SMTP server (STARTTLS is required)."),
      username: z
        .string()
        .optional()
        .describe("SMTP user name, when it is not the from address; required with Amazon SES (the SMTP user name of an SES SMTP credential, AKIA...)."),
    })
    .optional()
    .describe("SMTP settings (email only); the password is the secret."),
});

export const platformSchema = z
  .strictObject({
    awsLoadBalancerController: addOn("the AWS Load Balancer Controller (ALB/NLB for Ingress and Service)", true, {}),
    clusterAutoscaler: addOn("the Cluster Autoscaler (node groups found by auto-discovery tags)", true, {
      expander: z.enum(CLUSTER_AUTOSCALER_EXPANDERS).default("least-waste").describe("How the autoscaler picks a node group to grow."),
    }),
    karpenter: addOn("Karpenter (when cluster.autoscaler is karpenter: NodePools and EC2NodeClasses for the stateful and stateless pools)", true, {}),
    metricsServer: addOn("metrics-server (resource metrics for HPA and kubectl top)", true, {}),
    storageClass: z
      .strictObject({
        enabled: z.boolean().default(true).describe("Create an encrypted gp3 StorageClass (EBS CSI) and make it the default."),
      })
      .prefault({})
      .describe("The default StorageClass."),
    certManager: addOn("cert-manager with Let's Encrypt ClusterIssuers (DNS-01 through Route53)", false, {
      acmeEmail: z.email("must be an e-mail address for Let's Encrypt expiry notices").optional().describe("Let's Encrypt account e-mail."),
      hostedZoneIds: z.array(hostedZoneId).default([]).describe("Route53 zones cert-manager may write DNS-01 challenges to."),
    }),
    externalDns: addOn("external-dns (Route53 records for Ingresses and Services)", false, {
      hostedZoneIds: z.array(hostedZoneId).default([]).describe("Route53 zones external-dns may change."),
      domainFilters: z.array(hostname).default([]).describe("Domains external-dns manages, e.g. [example.com]."),
    }),
    kubePrometheusStack: addOn("kube-prometheus-stack (Prometheus, Alertmanager, Grafana, platform alerts)", true, {
      prometheus: z
        .strictObject({
          retention: z
            .string()
            .regex(/^\d+[dhw]$/, "must be a Prometheus duration in days, hours or weeks, e.g. 15d")
            .default("15d")
            .describe("How long Prometheus keeps samples."),
          storageSize: kubernetesQuantity.default("50Gi").describe("Size of each Prometheus replica's gp3 volume."),
        })
        .prefault({})
        .describe("Prometheus."),
      alertmanager: z
        .strictObject({
          receivers: z
            .array(alertReceiver)
            .default([])
            .describe("Where alerts go, by severity: critical pages (pagerduty), warning goes to chat (slack) and e-mail; see docs/platform.md#alert-routing."),
        })
        .prefault({})
        .describe("Alertmanager."),
      grafana: z
        .strictObject({
          adminSecretName: secretName
            .optional()
            .describe(
              "Secrets Manager secret the platform writes Grafana's generated admin credentials to (JSON keys admin-user, admin-password), when not <project>-<env>/grafana-admin.",
            ),
        })
        .prefault({})
        .describe("Grafana."),
    }),
    externalSecrets: addOn("External Secrets with one SecretStore (and IRSA role) per namespace that reads AWS Secrets Manager", true, {}),
    fluentBit: addOn("Fluent Bit shipping container logs to CloudWatch Logs", true, {
      logRetentionDays: retentionDays.default(30),
    }),
    elasticsearch: addOn("Elasticsearch and Kibana run by the ECK operator, fed by Fluent Bit", false, {
      stackVersion: z
        .string()
        .regex(/^\d+\.\d+\.\d+$/, "must be an Elastic Stack version such as 8.19.3")
        .refine(eckSupports, `must be a version the pinned ECK operator runs: ${ECK_SUPPORTED_STACK_VERSIONS}`)
        .default("8.19.3")
        .describe("Elasticsearch and Kibana version ECK runs."),
      nodes: z.number().int().min(1, "needs at least 1 node").default(3).describe("Elasticsearch nodes."),
      storageSize: kubernetesQuantity.default("100Gi").describe("Volume size of each Elasticsearch node."),
      retentionDays: z
        .number()
        .int("must be a whole number of days")
        .min(1, "must be between 1 and 3650 days")
        .max(3650, "must be between 1 and 3650 days")
        .default(14)
        .describe("Days a day's log index is kept before the index lifecycle policy deletes it (size the volumes for it)."),
    }),
    argoCd: addOn("Argo CD (GitOps delivery)", true, {
      hostname: hostname.optional().describe("Host name of Argo CD's ingress behind the ALB (TLS with an ACM certificate the platform issues for it)."),
      hostedZoneId: hostedZoneId
        .optional()
        .describe("Route53 zone of hostname: the platform validates Argo CD's ACM certificate there (required with hostname)."),
      access: z
        .strictObject({
          mode: z
            .enum(ARGOCD_ACCESS_MODES)
            .default("internal")
            .describe(
              "internal: an internal ALB reached only from inside the VPC (the deploy runner, a VPN). public: an internet-facing ALB behind a WAF, open only to allowedCidrs.",
            ),
          allowedCidrs: z.array(ipv4Cidr).default([]).describe("Source ranges the public ALB admits (offices, VPN egress); required in public mode."),
          wafRateLimit: z
            .number()
            .int()
            .min(100, "must be at least 100 (WAF's minimum)")
            .default(1000)
            .describe("Requests per client IP per 5 minutes before the public ALB's WAF blocks it."),
        })
        .prefault({})
        .describe("Who can reach Argo CD's ingress."),
      sso: z
        .strictObject({
          issuer: z.url("must be the OIDC issuer URL, e.g. https://login.example.com").describe("OIDC issuer URL."),
          clientId: z.string().min(1, "must name the OIDC client").describe("OIDC client id."),
          clientSecretName: secretName.describe(
            "Secrets Manager secret for the OIDC client secret (a plain string): created empty by the platform, the value is yours to put; SSO stays off until it exists.",
          ),
          groups: z
            .strictObject({
              admin: z.array(ssoGroup).default([]).describe("SSO groups with full control of Argo CD (role:admin)."),
              deployer: z
                .array(ssoGroup)
                .default([])
                .describe("SSO groups that may sync, roll back and run actions on applications and read everything (role:deployer)."),
              readOnly: z.array(ssoGroup).default([]).describe("SSO groups that may only look (role:readonly)."),
            })
            .prefault({})
            .describe("The identity provider's `groups` claim values mapped to Argo CD roles; anyone else has no access."),
        })
        .optional()
        .describe("Single sign-on through OIDC; when set, the local admin user is disabled."),
      backup: z
        .strictObject({
          enabled: z.boolean().default(true).describe("Back up Argo CD's configuration on a schedule to a versioned, encrypted S3 bucket."),
          schedule: z.string().default("17 3 * * *").describe("Cron schedule of the backup (UTC)."),
          retentionDays: z
            .number()
            .int("must be a whole number of days")
            .min(1, "must be at least 1 day")
            .default(90)
            .describe("Days a backup (and an overwritten version of one) is kept before S3 deletes it."),
        })
        .prefault({})
        .describe("Daily export of Argo CD's configuration."),
    }),
    opentelemetryCollector: addOn("the OpenTelemetry Collector (OTLP traces from the application, exported to AWS X-Ray)", true, {}),
    argoRollouts: addOn("Argo Rollouts (blue-green and canary deployments)", true, {}),
    argocdImageUpdater: addOn("Argo CD Image Updater (new images from ECR)", true, {}),
    // Off unless asked for: Vault's TLS comes from cert-manager's private CA, and cert-manager needs its own settings.
    vault: addOn("HashiCorp Vault (integrated Raft, KMS auto-unseal, TLS from the private CA, injector; needs certManager)", false, {
      replicas: z.number().int().min(1, "needs at least 1 replica").default(3).describe("Vault servers; 1 runs standalone, more run HA Raft."),
      auditStorageSize: kubernetesQuantity.default("10Gi").describe("Volume size of the audit log."),
    }),
    velero: addOn("Velero: scheduled backups of every namespace with persistent volumes (EBS CSI snapshots) to a KMS-encrypted, versioned S3 bucket", true, {
      schedule: backupSchedule
        .default("0 2 * * *")
        .describe(
          "When every namespace with volumes is backed up: cron (UTC) of the form 'M H * * *' (daily), 'M */N * * *' (every N hours) or 'M * * * *' (hourly).",
        ),
      retentionDays: z
        .number()
        .int("must be a whole number of days")
        .min(1, "must be between 1 and 3650 days")
        .max(3650, "must be between 1 and 3650 days")
        .default(7)
        .describe("Days Velero keeps a backup (its TTL) before deleting it with its EBS snapshots."),
      vaultSnapshot: z
        .strictObject({
          enabled: z.boolean().default(true).describe("Take Vault Raft snapshots into the backup bucket (vault-raft/) when Vault is enabled."),
          schedule: backupSchedule.default("30 * * * *").describe("When Vault's Raft snapshot is taken; the same cron forms as velero.schedule."),
          retentionDays: z
            .number()
            .int("must be a whole number of days")
            .min(1, "must be between 1 and 3650 days")
            .max(3650, "must be between 1 and 3650 days")
            .default(14)
            .describe("Days a Vault Raft snapshot is kept in the bucket before S3 deletes it."),
        })
        .prefault({})
        .describe("Vault's own consistent snapshots (vault operator raft snapshot save), on their own schedule."),
    }),
    kyverno: addOn("Kyverno admission policy (the platform's ClusterPolicies, policy reports scraped by Prometheus)", true, {
      mode: z
        .enum(KYVERNO_MODES)
        .optional()
        .describe("audit reports violations, enforce denies them at admission; unset: enforce in production tiers, audit elsewhere."),
      extraRegistries: z
        .array(imageRegistry)
        .default([])
        .describe("Image prefixes (registry host, optionally with a path) allowed besides the environment's ECR and the pinned charts' registries."),
    }),
  })
  .prefault({})
  .describe("Helm add-ons and Kubernetes objects of the <env>-platform stack.");

export type PlatformInput = z.input<typeof platformSchema>;
export type PlatformConfig = z.output<typeof platformSchema>;

/** Amazon SES's SMTP endpoints (`email-smtp.<region>.amazonaws.com`, FIPS too); group 1 is the region. */
export const SES_SMARTHOST = /^email-smtp(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com:\d+$/;
/** An SES SMTP user name: the access key id of the IAM user the SMTP credential belongs to. */
const SES_SMTP_USERNAME = /^AKIA[A-Z0-9]{16}$/;

interface PlatformRuleContext {
  readonly production: boolean;
  /** Whether the environment configures `edge` (the application is deployed). */
  readonly edge?: boolean;
  addIssue(path: (string | number)[], message: string): void;
}

/** Rules across add-ons: what one add-on needs of another, and what production insists on. */
export function checkPlatformRules(platform: PlatformConfig, context: PlatformRuleContext): void {
  const issue = (path: (string | number)[], message: string) => context.addIssue(["platform", ...path], message);
  const secretsNeeded = (path: (string | number)[], what: string) => {
    if (!platform.externalSecrets.enabled) {
      issue(path, `${what} is delivered by External Secrets; enable platform.externalSecrets or remove it`);
    }
  };
  const { certManager, externalDns, kubePrometheusStack, argoCd, vault } = platform;
  if (certManager.enabled) {
    if (!certManager.acmeEmail) issue(["certManager", "acmeEmail"], "is required when cert-manager is enabled (Let's Encrypt account)");
    if (certManager.hostedZoneIds.length === 0) {
      issue(["certManager", "hostedZoneIds"], "needs at least one Route53 zone for DNS-01 challenges when cert-manager is enabled");
    }
  }
  if (externalDns.enabled && (externalDns.hostedZoneIds.length === 0 || externalDns.domainFilters.length === 0)) {
    issue(["externalDns"], "needs hostedZoneIds and domainFilters when enabled, so it can only change the zones it owns");
  }
  if (kubePrometheusStack.enabled) {
    secretsNeeded(["kubePrometheusStack", "enabled"], "Grafana's generated admin secret (never the chart default)");
    if (kubePrometheusStack.alertmanager.receivers.length > 0) secretsNeeded(["kubePrometheusStack", "alertmanager", "receivers"], "a receiver's secret");
    const names = kubePrometheusStack.alertmanager.receivers.map((receiver) => receiver.name);
    kubePrometheusStack.alertmanager.receivers.forEach((receiver, index) => {
      if ((receiver.type === "email") !== (receiver.email !== undefined)) {
        issue(
          ["kubePrometheusStack", "alertmanager", "receivers", index, "email"],
          receiver.type === "email" ? "is required for an email receiver (to, from, smarthost)" : `is only for email receivers, not ${receiver.type}`,
        );
      }
      const ses = receiver.email ? SES_SMARTHOST.exec(receiver.email.smarthost) : null;
      if (receiver.email && ses && !SES_SMTP_USERNAME.test(receiver.email.username ?? "")) {
        issue(
          ["kubePrometheusStack", "alertmanager", "receivers", index, "email", "username"],
          `must be the SMTP user name of an SES SMTP credential (AKIA followed by 16 letters or digits) with the SES smarthost ${receiver.email.smarthost}, not ${receiver.email.username === undefined ? "unset (the from address)" : `"${receiver.email.username}"`}: SES refuses any other login; put that credential's SMTP password in ${receiver.secretName}, and ${receiver.email.from.split("@")[1]} must be a verified SES identity in ${ses[1]}`,
        );
      }
    });
    names.forEach((name, index) => {
      if (names.indexOf(name) !== index)
        issue(["kubePrometheusStack", "alertmanager", "receivers", index, "name"], `"${name}" is used twice; receiver names must be unique`);
    });
  }
  if (argoCd.enabled && argoCd.sso) secretsNeeded(["argoCd", "sso", "clientSecretName"], "the OIDC client secret");
  if (argoCd.enabled && argoCd.hostname && !argoCd.hostedZoneId) {
    issue(["argoCd", "hostedZoneId"], "is required with hostname: Argo CD's ACM certificate is validated in that Route53 zone");
  }
  if (argoCd.enabled && argoCd.access.mode === "public" && argoCd.access.allowedCidrs.length === 0) {
    issue(["argoCd", "access", "allowedCidrs"], "needs at least one CIDR in public mode: Argo CD is never open to the whole internet");
  }
  if (argoCd.enabled && argoCd.access.mode === "public" && !argoCd.hostname) {
    issue(["argoCd", "access", "mode"], "public needs argoCd.hostname (the ALB's TLS certificate is issued for it)");
  }
  if (argoCd.enabled && argoCd.sso) {
    const { admin, deployer, readOnly } = argoCd.sso.groups;
    if (admin.length + deployer.length + readOnly.length === 0) {
      issue(["argoCd", "sso", "groups"], "maps no group: with SSO the local admin is off, so at least one group must get admin, deployer or readOnly");
    }
  }
  if (platform.argocdImageUpdater.enabled && !argoCd.enabled) {
    issue(["argocdImageUpdater", "enabled"], "needs platform.argoCd: the image updater changes Argo CD applications");
  }
  if (platform.elasticsearch.enabled && !platform.fluentBit.enabled) {
    issue(["elasticsearch", "enabled"], "needs platform.fluentBit: Fluent Bit is what ships logs to Elasticsearch");
  }
  if (context.edge && !vault.enabled) {
    issue(
      ["vault", "enabled"],
      "must be true while edge is configured: the application reads its session signing key through the Vault agent (gitops/base/rollout.yaml) and cannot start without it",
    );
  }
  const withVolumes = [
    kubePrometheusStack.enabled && "kubePrometheusStack",
    platform.elasticsearch.enabled && "elasticsearch",
    vault.enabled && "vault",
  ].filter((name): name is string => typeof name === "string");
  if (context.production && !platform.velero.enabled && withVolumes.length > 0) {
    issue(
      ["velero", "enabled"],
      `must be true in a production tier while add-ons with persistent volumes run (${withVolumes.join(", ")}): nothing else backs their volumes up`,
    );
  }
  if (vault.enabled && !certManager.enabled) {
    issue(["vault", "enabled"], "needs platform.certManager: Vault's TLS certificate comes from the platform's private CA");
  }
  if (vault.enabled && vault.replicas === 2) {
    issue(["vault", "replicas"], "must be 1 (standalone) or at least 3: a Raft cluster of 2 loses quorum when either server fails");
  }
  if (context.production && vault.enabled && vault.replicas < 3) {
    issue(["vault", "replicas"], "must be at least 3 in a production tier (HA Raft survives losing one server)");
  }
}
