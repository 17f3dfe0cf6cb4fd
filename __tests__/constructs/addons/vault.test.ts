import "cdktf/lib/testing/adapters/jest";
import { Testing } from "cdktf";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { validateEnvironment } from "../../../config";
import { environmentInput, testEnvironment } from "../../support/environments";
import { platformStack } from "../../support/platform";
import { synthStack } from "../../support/synth";
import { Json, SynthesizedPlatform } from "../../support/platform";

/** Break 7: Vault serves the application with no manual step. */
const environment = testEnvironment({
  platform: {
    certManager: { enabled: true, acmeEmail: "ops@shop.example.com", hostedZoneIds: ["Z0TEST000000000000001"] },
    vault: { enabled: true, replicas: 3 },
  },
});
const stack = platformStack(environment);
const synthesized = Testing.synth(stack);
const platform = new SynthesizedPlatform(synthStack(stack));
const server = platform.values("vault").server;
const job = platform.manifests("vault-config").find((object) => object.kind === "Job")!;
const script = (name: string): string =>
  [...job.spec.template.spec.initContainers, ...job.spec.template.spec.containers].find((container: Json) => container.name === name).command[2];

describe("break 7: Vault", () => {
  test("serves TLS with a certificate cert-manager issues from the platform's private CA", () => {
    expect(platform.values("vault").global.tlsDisable).toBe(false);
    expect(server.ha.raft.config).not.toContain("tls_disable");
    expect(server.ha.raft.config).toContain('tls_cert_file = "/vault/userconfig/vault-tls/tls.crt"');
    expect(server.ha.raft.config).toContain('leader_api_addr = "https://vault-0.vault-internal:8200"');
    expect(server.extraVolumes).toEqual([{ type: "secret", name: "vault-tls" }]);
    const issuance = platform.manifests("cert-manager-config");
    const certificate = issuance.find((object) => object.kind === "Certificate" && object.metadata.namespace === "vault");
    expect(certificate).toMatchObject({ spec: { secretName: "vault-tls", issuerRef: { kind: "ClusterIssuer", name: "platform-ca" } } });
    expect(certificate!.spec.dnsNames).toEqual(expect.arrayContaining(["vault.vault.svc", "*.vault-internal"]));
    expect(issuance.find((object) => object.kind === "ClusterIssuer" && object.metadata.name === "platform-ca")?.spec.ca).toEqual({
      secretName: "platform-ca-root",
    });
    expect(platform.waitsFor("vault", "helm_release.AddOns_certManagerManifests")).toBe(true);
  });

  test("initialises itself once and keeps the recovery material encrypted in Secrets Manager", () => {
    expect(synthesized).toHaveResourceWithProperties(SecretsmanagerSecret, {
      name: `${environment.prefix}/vault/recovery`,
      kms_key_id: expect.stringContaining("RecoveryKey"),
    });
    const recovery = `${environment.prefix}/vault/recovery`;
    expect(script("init-and-store")).toContain("vault operator init -recovery-shares=1 -recovery-threshold=1");
    expect(script("init-and-store")).toContain('"initialized": false');
    expect(script("init-and-store")).toContain(`put-secret-value --secret-id "${recovery}"`);
    const policy = platform.resources("aws_iam_role_policy").find((candidate) => String(candidate.role).includes("Irsa-vault-setup"))!;
    const statements = JSON.parse(policy.policy).Statement;
    expect(statements[0].Resource).toMatch(/^\$\{aws_secretsmanager_secret\.AddOns_vaultResources_Recovery_[A-Z0-9]+\.arn\}$/);
    expect(job.metadata.name).toMatch(/^vault-setup-[0-9a-f]{8}$/);
  });

  test("configures KV v2, Kubernetes auth and the web role and policy, and generates the app's signing key when absent", () => {
    const configure = script("configure");
    expect(configure).toContain("vault secrets enable -path=secret kv-v2");
    expect(configure).toContain("vault auth enable kubernetes");
    expect(configure).toContain('path "secret/data/web/*"');
    expect(configure).toContain("auth/kubernetes/role/web bound_service_account_names=web bound_service_account_namespaces=web policies=web audience=vault");
    expect(configure).toMatch(/vault kv get secret\/web\/session .*\|\| vault kv put secret\/web\/session signing-key="\$\(head -c 48 \/dev\/urandom/);
    // Terraform would read ${ as an interpolation inside the values.
    expect(JSON.stringify(job)).not.toMatch(/\$\{(?!aws_)/);
  });

  test("the injector is on", () => {
    expect(platform.values("vault").injector.enabled).toBe(true);
  });
});

/** Issue 20, break 3: Vault installs under restricted Pod Security, reloads its certificate and loses no init output. */
describe("issue 20: Vault comes up and stays up", () => {
  const containers = (): Json[] => [...job.spec.template.spec.initContainers, ...job.spec.template.spec.containers];

  test("the injector's pod and container contexts pass restricted (the chart's fallback has no seccomp profile)", () => {
    const { pod, container } = platform.values("vault").injector.securityContext;
    expect(pod).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(container).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true });
  });

  test("a sidecar sends the server SIGHUP when cert-manager renews the mounted certificate", () => {
    expect(server.shareProcessNamespace).toBe(true);
    const reloader = server.extraContainers.find((container: Json) => container.name === "tls-reloader");
    // The chart mounts extraVolumes as userconfig-<name> (templates/_helpers.tpl vault.volumes).
    expect(reloader.volumeMounts).toEqual([{ name: "userconfig-vault-tls", mountPath: "/vault/userconfig/vault-tls", readOnly: true }]);
    expect(reloader.args[0]).toContain("/vault/userconfig/vault-tls/tls.crt");
    expect(reloader.args[0]).toMatch(/kill -HUP \$pid/);
    expect(reloader.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
  });

  test("init and store are one container that keeps the output in memory until Secrets Manager returns it", () => {
    const names = containers().map((container) => container.name);
    expect(names).toEqual(["tools", "init-and-store", "configure"]);
    const initAndStore = script("init-and-store");
    // Stored before anything else when a previous try of the container left output behind.
    expect(initAndStore.indexOf("if [ -s /work/init.json ]; then store; fi")).toBeLessThan(initAndStore.indexOf("vault operator init"));
    expect(initAndStore).toMatch(/get-secret-value .*root_token/);
    // It never gives up while it holds output it has not stored (a failed Job would delete the pod and its memory).
    const store = initAndStore.slice(initAndStore.indexOf("store() {"), initAndStore.indexOf("\n}\n"));
    expect(store).toContain("while true; do");
    expect(store).not.toMatch(/\bexit\b/);
    expect(job.spec.template.spec.volumes.find((volume: Json) => volume.name === "work").emptyDir.medium).toBe("Memory");
    expect(job.spec.template.spec.restartPolicy).toBe("OnFailure");
  });

  test("every AWS CLI container has room for the CLI's measured 67 MB peak", () => {
    const mebibytes = (quantity: string) => Number(quantity.replace(/Mi$/, ""));
    for (const container of containers().filter((each) => String(each.image).includes("aws-cli"))) {
      expect(mebibytes(container.resources.limits.memory)).toBeGreaterThanOrEqual(128);
    }
  });

  test("configuration runs on a fresh root token from the recovery key and no root token survives the Job", () => {
    const configure = script("configure");
    expect(configure).toContain("vault operator generate-root -init");
    expect(configure).toContain('vault token revoke "$initial_root"');
    expect(configure).toContain("trap 'vault token revoke -self > /dev/null' EXIT");
    expect(configure.indexOf("trap")).toBeLessThan(configure.indexOf("vault secrets enable"));
  });

  test("config: an edge (the application) without Vault is refused in one line naming file and field", () => {
    const edge = { domainName: "shop.example.org", gitops: { repoURL: "https://github.com/acme/shop.git" } };
    const result = validateEnvironment("test", "config/test.yaml", environmentInput({ edge, platform: { vault: { enabled: false } } }));
    const problems = "problems" in result ? result.problems : [];
    const refusal = problems.find((problem) => problem.message.includes("Vault agent"));
    expect(refusal).toMatchObject({ file: "config/test.yaml", location: "platform.vault.enabled" });
    expect(refusal?.message).toMatch(/^must be true while edge is configured: [^\n]+$/);
  });

  test("config: Vault without cert-manager is refused", () => {
    expect(() => testEnvironment({ platform: { vault: { enabled: true } } })).toThrow("platform.vault.enabled: needs platform.certManager");
  });
});
