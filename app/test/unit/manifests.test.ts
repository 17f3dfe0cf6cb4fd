import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config";

const base = path.resolve(__dirname, "..", "..", "..", "..", "gitops", "base");
const rollout = readFileSync(path.join(base, "rollout.yaml"), "utf8");
const job = readFileSync(path.join(base, "migration-job.yaml"), "utf8");

// The platform's side of the contract, read as text (the root's jest tests parse and schema-check the manifests).
describe("the manifests that run the service", () => {
  it("render the session key where the service reads it by default", () => {
    const secretName = /vault\.hashicorp\.com\/agent-inject-secret-([a-z-]+): secret\/data\/web\/session/.exec(rollout)?.[1];
    assert.equal(`/vault/secrets/${secretName ?? "?"}`, loadConfig({ PGHOST: "h", PGUSER: "u" }).sessionKeyFile);
    assert.match(
      rollout,
      /agent-inject-template-session-signing-key: \|\n\s+\{\{- with secret "secret\/data\/web\/session" -\}\}\{\{ index \.Data\.data "signing-key" \}\}\{\{- end -\}\}/,
    );
    assert.match(rollout, /agent-service-account-token-volume-name: vault-token/);
    assert.match(rollout, /- name: vault-token\n\s+projected:\n\s+sources:\n\s+- serviceAccountToken:/);
  });

  it("set the ports the service listens on by default and run migrations with the compiled migration command", () => {
    const config = loadConfig({ PGHOST: "h", PGUSER: "u" });
    assert.match(rollout, new RegExp(`containerPort: ${config.port}\\b`));
    assert.match(rollout, new RegExp(`containerPort: ${config.metricsPort}\\b`));
    assert.match(job, /argocd\.argoproj\.io\/hook: Sync\n\s+argocd\.argoproj\.io\/sync-wave: "-1"/);
    assert.match(job, /command: \["node", "dist\/src\/migrate\.js"\]/);
    for (const manifest of [rollout, job]) assert.match(manifest, /- key: workload\n\s+operator: Equal\n\s+value: stateless\n\s+effect: NoSchedule/);
  });

  it("drain within the pod's grace: preStop plus the drain timeout fit in terminationGracePeriodSeconds", () => {
    const grace = Number(/terminationGracePeriodSeconds: (\d+)/.exec(rollout)?.[1]);
    const preStop = Number(/preStop:\n\s+sleep:\n\s+seconds: (\d+)/.exec(rollout)?.[1]);
    assert.ok(preStop + loadConfig({ PGHOST: "h", PGUSER: "u" }).shutdownTimeoutMs / 1000 < grace, `${preStop} s + drain < ${grace} s`);
  });
});
