import { databaseUsersContract } from "../../../../tools/contracts/checks/database-users";
import { CONTRACTS } from "../../../../tools/contracts/contracts";
import { failing, passing } from "../fixtures/database-users";

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
});
