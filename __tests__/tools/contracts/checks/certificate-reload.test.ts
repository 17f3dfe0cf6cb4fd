import { certificateReloadContract } from "../../../../tools/contracts/checks/certificate-reload";
import { object, PLATFORM, release, system, workload } from "../fixtures/system";

const certificate = (name: string, namespace: string) =>
  object(`release:${PLATFORM}:issuance`, "Certificate", name, namespace, { spec: { secretName: name } }, "cert-manager.io/v1");
const tlsVolume = (secret: string) => ({ name: `tls-${secret}`, secret: { secretName: secret } });

/**
 * A server with a SIGHUP sidecar, one restarted by Reloader, a Job and the Vault agent's init-only CA read all reload;
 * the failing system drops the sidecar and Reloader's release (its annotation alone restarts nothing).
 */
function build(broken: boolean) {
  const sidecar = {
    name: "tls-reloader",
    args: ['while true; do sleep 30; if changed; then kill -HUP "$(pidof vault)"; fi; done'],
    volumeMounts: [{ name: "tls-vault-tls", mountPath: "/tls" }],
  };
  return system({
    releases: broken ? [] : [release("reloader", "reloader")],
    objects: [certificate("vault-tls", "vault"), certificate("api-tls", "api"), certificate("vault-ca", "web")],
    workloads: [
      workload(
        "vault",
        { shareProcessNamespace: true, volumes: [tlsVolume("vault-tls")], containers: [{ name: "vault" }, ...(broken ? [] : [sidecar])] },
        { kind: "StatefulSet", namespace: "vault" },
      ),
      workload("vault-setup", { volumes: [tlsVolume("vault-tls")], containers: [{ name: "configure" }] }, { kind: "Job", namespace: "vault" }),
      workload(
        "api",
        { volumes: [tlsVolume("api-tls")], containers: [{ name: "api" }] },
        { namespace: "api", podAnnotations: { "reloader.stakater.com/auto": "true" } },
      ),
      workload(
        "web",
        { containers: [{ name: "web" }] },
        {
          kind: "Rollout",
          namespace: "web",
          podAnnotations: { "vault.hashicorp.com/tls-secret": "vault-ca", "vault.hashicorp.com/agent-pre-populate-only": "true" },
        },
      ),
      // Mounts no certificate: not a consumer.
      workload("other", { volumes: [{ name: "cache", emptyDir: {} }], containers: [{ name: "other" }] }, { namespace: "api" }),
    ],
  });
}

describe("the certificate-reload contract", () => {
  it("passes consumers that reload: a signalling sidecar, Reloader, a Job, the agent's init-only read", () => {
    const result = certificateReloadContract.check(build(false));
    expect(result.findings).toEqual([]);
    expect(result.checked).toBe(4);
  });

  it("names each long-running consumer that would keep serving the old certificate", () => {
    const result = certificateReloadContract.check(build(true));
    expect(result.findings.map((finding) => [finding.consumer, finding.reference, finding.instead])).toEqual([
      [
        `StatefulSet vault/vault (release:${PLATFORM}:vault)`,
        "Secret vault/vault-tls of Certificate vault-tls (renewed by cert-manager)",
        "no reload: no reloader annotation, no sidecar signalling the server",
      ],
      [
        `Deployment api/api (release:${PLATFORM}:api)`,
        "Secret api/api-tls of Certificate api-tls (renewed by cert-manager)",
        "no reload: a reloader annotation but no reloader release, no sidecar signalling the server",
      ],
    ]);
  });
});
