import { databaseUsersContract } from "../../../../tools/contracts/checks/database-users";
import { CONTRACTS } from "../../../../tools/contracts/contracts";
import { failing, passing } from "../fixtures/database-users";
import type { WorkloadFacts } from "../../../../tools/contracts/types";

describe("the database-users contract", () => {
  it("is registered", () => {
    expect(CONTRACTS).toContain(databaseUsersContract);
  });

  it("passes when the provisioning step creates every user a workload or grant logs in as (the master user is Aurora's own)", () => {
    const result = databaseUsersContract.check(passing);
    expect(result.findings).toEqual([]);
    // The rds-db:connect grant, PGUSER of the Rollout, the provisioning and migration containers, and the vacuum Job.
    expect(result.checked).toBe(5);
  });

  it("names every login no provisioning step creates, one line each (break 2: nothing created web)", () => {
    const result = databaseUsersContract.check(failing);
    expect(result.findings.map((finding) => [finding.consumer, finding.reference, finding.instead])).toEqual([
      [
        "aws_iam_role_policy.Connect (test-edge) policy rds-db:connect",
        "database user web",
        "provisioned: postgres by aws_rds_cluster.Db (test-data) master_username",
      ],
      [
        "Rollout web/web (gitops:overlays/test) container web PGUSER",
        "database user web",
        "provisioned: postgres by aws_rds_cluster.Db (test-data) master_username",
      ],
      [
        "Job web/web-migrate (gitops:overlays/test) container migrate PGUSER",
        "database user web",
        "provisioned: postgres by aws_rds_cluster.Db (test-data) master_username",
      ],
      [
        "Job web/reports (gitops:overlays/test) container reports PGUSER",
        "database user reports",
        "provisioned: postgres by aws_rds_cluster.Db (test-data) master_username",
      ],
    ]);
  });

  it("reads a user from a single ConfigMap key too, and counts a provisioning step that lists nobody as none", () => {
    const byKey: WorkloadFacts = {
      source: "gitops:overlays/test",
      kind: "CronJob",
      name: "export",
      namespace: "web",
      owner: "application",
      persistentVolume: false,
      podSpec: { containers: [{ name: "export", env: [{ name: "PGUSER", valueFrom: { configMapKeyRef: { name: "web-database", key: "PGUSER" } } }] }] },
    };
    expect(databaseUsersContract.check({ ...passing, workloads: [...passing.workloads, byKey] }).findings).toEqual([]);
    const silent = passing.workloads.map((workload) =>
      workload.name === "web-migrate"
        ? { ...workload, podSpec: { ...workload.podSpec, initContainers: [{ name: "provision-users", command: ["node", "dist/src/provision-users.js"] }] } }
        : workload,
    );
    const findings = databaseUsersContract.check({ ...passing, workloads: silent }).findings;
    expect(findings.map((finding) => finding.reference)).toEqual(["database user web", "database user web", "database user web"]);
    expect(findings[0].instead).toContain("no user by Job web/web-migrate (gitops:overlays/test) container provision-users");
  });
});
