import "cdktf/lib/testing/adapters/jest";
import { Testing } from "cdktf";
import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { Wafv2WebAcl } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { testEnvironment } from "../../support/environments";
import { platformStack } from "../../support/platform";
import { Json, SynthesizedPlatform } from "../../support/platform";
import { synthStack } from "../../support/synth";

/**
 * A fixture with every kind of secret the platform handles: Grafana's generated admin, two receivers and the OIDC
 * client secret (user-supplied), and the delivery layer's repository credentials (read in argocd).
 */
const environmentOverrides: Parameters<typeof testEnvironment>[0] = {
  platform: {
    kubePrometheusStack: {
      alertmanager: {
        receivers: [
          { name: "oncall", type: "pagerduty", secretName: "shop-test/alertmanager/oncall" },
          { name: "team", type: "slack", secretName: "shop-test/alertmanager/team", channel: "#team" },
        ],
      },
    },
    argoCd: {
      hostname: "argocd.shop.example.com",
      hostedZoneId: "Z0TEST000000000000001",
      sso: {
        issuer: "https://login.shop.example.com",
        clientId: "argocd",
        clientSecretName: "shop-test/argocd/oidc",
        groups: { admin: ["ops"], deployer: ["developers", "release managers"], readOnly: ["everyone"] },
      },
    },
  },
  edge: {
    domainName: "shop.example.com",
    gitops: { repoURL: "https://github.com/acme/shop.git", repoCredentialsSecret: "shop-test/argocd/repository" },
  },
};
const environment = testEnvironment(environmentOverrides);
const stack = platformStack(environment);
const synthesized = Testing.synth(stack);
const platform = new SynthesizedPlatform(synthStack(stack));
const objects = platform.manifests("platform-secrets");
const ofKind = (kind: string) => objects.filter((object) => object.kind === kind);
const secretResources = () => Object.entries(platform.stack.resource?.aws_secretsmanager_secret ?? {}) as [string, Json][];
const storeRole = (namespace: string) => platform.resources("aws_iam_role").find((role) => role.name === `shop-test-secrets-${namespace}`);
const storePolicy = (namespace: string): Json[] => {
  const policy = platform.resources("aws_iam_role_policy").find((candidate) => String(candidate.role).includes(`Store-${namespace}`));
  return JSON.parse(policy!.policy).Statement;
};
const idOf = (name: string) => secretResources().find(([, secret]) => secret.name === name)![0];

describe("break 3: every secret the platform reads is created by it", () => {
  test.each(["shop-test/alertmanager/oncall", "shop-test/alertmanager/team", "shop-test/argocd/oidc", "shop-test/argocd/repository"])(
    "user-supplied %s is an empty, KMS-encrypted container tagged for preflight",
    (name) => {
      expect(synthesized).toHaveResourceWithProperties(SecretsmanagerSecret, {
        name,
        kms_key_id: expect.stringContaining("aws_kms_key.AddOns_SecretStores_Key"),
        tags: { "platform:user-supplied": "true" },
      });
    },
  );

  test("no secret value is in Terraform: there is no secret version at all", () => {
    expect(synthesized).not.toHaveResource(SecretsmanagerSecretVersion);
  });

  test("Grafana's admin is generated in the cluster and pushed to its Secrets Manager container, with no manual step", () => {
    expect(synthesized).toHaveResourceWithProperties(SecretsmanagerSecret, {
      name: "shop-test/grafana-admin",
      tags: { "platform:user-supplied": "false", "managed-by": "external-secrets" },
    });
    const generator = objects.find((object) => object.kind === "Password" && object.metadata.name === "grafana-admin");
    expect(generator?.spec.length).toBeGreaterThanOrEqual(32);
    const externalSecret = ofKind("ExternalSecret").find((object) => object.metadata.name === "grafana-admin");
    expect(externalSecret?.spec.dataFrom[0].sourceRef.generatorRef).toMatchObject({ kind: "Password", name: "grafana-admin" });
    expect(externalSecret?.spec.target.template.data).toEqual({ "admin-user": "admin", "admin-password": "{{ .password }}" });
    expect(externalSecret?.spec.refreshInterval).toBe("0");
    const push = ofKind("PushSecret")[0];
    expect(push).toMatchObject({
      metadata: { name: "grafana-admin", namespace: "monitoring" },
      spec: { selector: { secret: { name: "grafana-admin" } }, data: [{ match: { remoteRef: { remoteKey: "shop-test/grafana-admin" } } }] },
    });
    expect(platform.values("kube-prometheus-stack").grafana.admin.existingSecret).toBe("grafana-admin");
  });

  test("issue 20 break 5: the push writes a string, and the store role holds every call the provider's push makes", () => {
    const push = ofKind("PushSecret")[0];
    // external-secrets v2.9.0 puts SecretBinary unless the data's metadata says string.
    expect(push.spec.data[0].metadata).toEqual({
      apiVersion: "kubernetes.external-secrets.io/v1alpha1",
      kind: "PushSecretMetadata",
      spec: { secretPushFormat: "string" },
    });
    // Its put path: DescribeSecret, GetSecretValue (once a version exists), DeleteResourcePolicy (no resourcePolicy
    // in the metadata), PutSecretValue; each on the pushed secret only.
    const statements = storePolicy("monitoring");
    const granted = (action: string) =>
      statements.filter((statement) => [statement.Action].flat().includes(action)).flatMap((statement) => [statement.Resource].flat());
    const pushed = `\${aws_secretsmanager_secret.${idOf(push.spec.data[0].match.remoteRef.remoteKey)}.arn}`;
    for (const action of ["DescribeSecret", "GetSecretValue", "DeleteResourcePolicy", "PutSecretValue"]) {
      expect(granted(`secretsmanager:${action}`)).toContain(pushed);
    }
    expect(granted("secretsmanager:DeleteResourcePolicy")).toEqual([pushed]);
    expect(storePolicy("argocd").some((statement) => String(statement.Action).includes("DeleteResourcePolicy"))).toBe(false);
  });

  test("Alertmanager starts while a receiver's value is missing: each receiver's Secret is an optional volume source", () => {
    const spec = platform.values("kube-prometheus-stack").alertmanager.alertmanagerSpec;
    expect(spec.secrets ?? []).toEqual([]);
    expect(spec.volumes[0].projected.sources).toEqual([
      { secret: { name: "alertmanager-receiver-oncall", optional: true } },
      { secret: { name: "alertmanager-receiver-team", optional: true } },
    ]);
    expect(spec.volumeMounts).toEqual([{ name: "receivers", mountPath: "/etc/alertmanager/receivers", readOnly: true }]);
  });
});

describe("break 4: one SecretStore per namespace, each with its own role", () => {
  test("there is no ClusterSecretStore; monitoring and argocd each have a SecretStore on their own service account", () => {
    expect(ofKind("ClusterSecretStore")).toEqual([]);
    expect(
      ofKind("SecretStore")
        .map((store) => store.metadata.namespace)
        .sort(),
    ).toEqual(["argocd", "monitoring"]);
    for (const store of ofKind("SecretStore")) {
      expect(store.spec.provider.aws).toEqual({
        service: "SecretsManager",
        region: environment.account.region,
        auth: { jwt: { serviceAccountRef: { name: "secret-store" } } },
      });
    }
    for (const object of ofKind("ExternalSecret"))
      expect(object.spec.secretStoreRef ?? { kind: "SecretStore" }).toEqual(expect.objectContaining({ kind: "SecretStore" }));
  });

  test("each store role trusts only its namespace's secret-store service account", () => {
    for (const namespace of ["monitoring", "argocd"]) {
      const trust = JSON.parse(storeRole(namespace)!.assume_role_policy).Statement[0].Condition.StringEquals;
      expect(Object.values(trust)).toContain(`system:serviceaccount:${namespace}:secret-store`);
    }
  });

  test("attack: the argocd store cannot read Grafana's or a receiver's secret, and monitoring cannot read Argo CD's", () => {
    const readable = (namespace: string) => storePolicy(namespace).find((statement) => statement.Sid === "ReadThisNamespacesSecrets")!.Resource;
    const ref = (name: string) => `\${aws_secretsmanager_secret.${idOf(name)}.arn}`;
    expect(readable("argocd")).toEqual([ref("shop-test/argocd/oidc"), ref("shop-test/argocd/repository")]);
    expect(readable("monitoring").sort()).toEqual(
      [ref("shop-test/alertmanager/oncall"), ref("shop-test/alertmanager/team"), ref("shop-test/grafana-admin")].sort(),
    );
    for (const statement of [...storePolicy("argocd"), ...storePolicy("monitoring")]) {
      expect(statement.Resource).not.toBe("*");
      expect(JSON.stringify(statement.Resource)).not.toContain("??????");
    }
    // Only the namespace with a PushSecret may write, and only its generated secret.
    expect(storePolicy("argocd").some((statement) => String(statement.Action).includes("PutSecretValue"))).toBe(false);
    expect(storePolicy("monitoring").find((statement) => statement.Sid === "WriteGeneratedSecrets")!.Resource).toEqual([ref("shop-test/grafana-admin")]);
  });

  test("the controller itself has no AWS identity", () => {
    expect(platform.values("external-secrets").serviceAccount.annotations).toBeUndefined();
    expect(platform.resources("aws_iam_role").some((role) => role.name === "shop-test-external-secrets")).toBe(false);
  });
});

describe("break 5: Argo CD's ingress", () => {
  test("is internal by default, open only to the VPC, with an ACM certificate issued for its host", () => {
    const annotations = platform.values("argo-cd").server.ingress.annotations;
    expect(annotations["alb.ingress.kubernetes.io/scheme"]).toBe("internal");
    expect(annotations["alb.ingress.kubernetes.io/inbound-cidrs"]).toBe(environment.network.cidr);
    expect(annotations["alb.ingress.kubernetes.io/certificate-arn"]).toContain("aws_acm_certificate_validation.");
    expect(annotations["alb.ingress.kubernetes.io/wafv2-acl-arn"]).toBeUndefined();
    expect(synthesized).toHaveResourceWithProperties(AcmCertificate, { domain_name: "argocd.shop.example.com", validation_method: "DNS" });
    expect(synthesized).toHaveResourceWithProperties(Route53Record, { zone_id: "Z0TEST000000000000001" });
  });

  test("public mode is internet-facing only for the allowed CIDRs, behind a regional WAF", () => {
    const publicEnvironment = testEnvironment({
      platform: {
        argoCd: { hostname: "argocd.shop.example.com", hostedZoneId: "Z0TEST000000000000001", access: { mode: "public", allowedCidrs: ["203.0.113.0/24"] } },
      },
    });
    const publicStack = platformStack(publicEnvironment);
    const annotations = new SynthesizedPlatform(synthStack(publicStack)).values("argo-cd").server.ingress.annotations;
    expect(annotations["alb.ingress.kubernetes.io/scheme"]).toBe("internet-facing");
    expect(annotations["alb.ingress.kubernetes.io/inbound-cidrs"]).toBe("203.0.113.0/24");
    expect(annotations["alb.ingress.kubernetes.io/wafv2-acl-arn"]).toContain("aws_wafv2_web_acl.");
    expect(Testing.synth(publicStack)).toHaveResourceWithProperties(Wafv2WebAcl, { scope: "REGIONAL" });
  });

  test("config: public mode without allowed CIDRs, or a host name without a zone, is refused", () => {
    expect(() =>
      testEnvironment({ platform: { argoCd: { hostname: "argocd.shop.example.com", hostedZoneId: "Z0TEST000000000000001", access: { mode: "public" } } } }),
    ).toThrow("platform.argoCd.access.allowedCidrs: needs at least one CIDR in public mode");
    expect(() => testEnvironment({ platform: { argoCd: { hostname: "argocd.shop.example.com" } } })).toThrow(
      "platform.argoCd.hostedZoneId: is required with hostname",
    );
  });
});

describe("break 6: Image Updater", () => {
  test("the AWS CLI of the ECR login gets a writable HOME under the read-only root filesystem (argocd-image-updater#720)", () => {
    const values = platform.values("argocd-image-updater");
    const home = values.extraEnv.find((variable: Json) => variable.name === "HOME").value;
    const mount = values.volumeMounts.find((candidate: Json) => candidate.mountPath === home);
    expect(mount).toBeDefined();
    expect(values.volumes.find((volume: Json) => volume.name === mount.name).emptyDir).toBeDefined();
  });
});

describe("break 8: SSO groups act in Argo CD", () => {
  test("configured groups map to admin, deployer and read-only; anyone else gets nothing", () => {
    const rbac = platform.values("argo-cd").configs.rbac;
    expect(rbac["policy.default"]).toBe("");
    const lines: string[] = rbac["policy.csv"].split("\n");
    expect(lines).toEqual(
      expect.arrayContaining([
        "g, ops, role:admin",
        "g, developers, role:deployer",
        "g, release managers, role:deployer",
        "g, everyone, role:readonly",
        "g, role:deployer, role:readonly",
        "p, role:deployer, applications, sync, */*, allow",
      ]),
    );
    expect(rbac.scopes).toBe("[groups]");
  });

  test("config: SSO that maps no group is refused (the local admin is off, nobody could act)", () => {
    expect(() =>
      testEnvironment({
        platform: { argoCd: { sso: { issuer: "https://login.shop.example.com", clientId: "argocd", clientSecretName: "shop-test/argocd/oidc" } } },
      }),
    ).toThrow("platform.argoCd.sso.groups: maps no group");
  });
});

describe("recreate: a destroyed environment's secret names are free again outside production", () => {
  const windows = (tier: "development" | "production") =>
    new SynthesizedPlatform(synthStack(platformStack(testEnvironment({ ...environmentOverrides, tier }))))
      .resources("aws_secretsmanager_secret")
      // Vault's recovery material keeps the longest window in production (vault.test.ts); these are the stores' secrets.
      .filter((secret) => !String(secret.name).endsWith("/vault/recovery"))
      .map((secret) => secret.recovery_window_in_days);

  test("a development platform deletes its secrets at once", () => {
    expect(new Set(windows("development"))).toEqual(new Set([0]));
  });

  test("production keeps 7 days to undo a delete", () => {
    expect(new Set(windows("production"))).toEqual(new Set([7]));
  });
});
