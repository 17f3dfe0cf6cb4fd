import * as fs from "fs";
import * as path from "path";
import { formatProblem, validateEnvironment } from "../../config";
import type { DatabaseInput } from "../../config/schema/database";
import { environmentInput, SHIPPED_CONFIG_DIR } from "../support/environments";

/** The one-line errors a database section produces, as the loader prints them. */
function errorsOf(database: DatabaseInput, tier: "development" | "staging" | "production" = "production"): string[] {
  const result = validateEnvironment("test", "config/test.yaml", { ...environmentInput({ tier }), database });
  return "problems" in result ? result.problems.map(formatProblem) : [];
}

function expectOneError(errors: string[], location: string, fragment: string): void {
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(new RegExp(`^config/test\\.yaml: ${location.replace(/[.[\]]/g, "\\$&")}: `));
  expect(errors[0]).toContain(fragment);
  expect(errors[0]).not.toContain("\n");
}

describe("database config", () => {
  it("accepts a section with only the pinned engine version and fills in safe defaults", () => {
    const result = validateEnvironment("test", "config/test.yaml", { ...environmentInput(), database: { engineVersion: "16.6" } });
    expect("environment" in result && result.environment.database).toMatchObject({
      engineVersion: "16.6",
      readers: 2,
      backupRetentionDays: 35,
      storageType: "standard",
      disasterRecovery: { mode: "none" },
    });
  });

  it("rejects more readers than Aurora's 15-replica limit", () => {
    expectOneError(errorsOf({ readers: 16 }), "database.readers", "must be between 0 and 15 (Aurora's replica limit); got 16");
  });

  it("rejects an autoscaling maximum above 15 readers", () => {
    expectOneError(errorsOf({ readerAutoscaling: { enabled: true, max: 20 } }), "database.readerAutoscaling.max", "must be between 1 and 15");
  });

  it("rejects a serverless minimum capacity above the maximum", () => {
    expectOneError(
      errorsOf({ instanceClass: "db.serverless", serverless: { minCapacity: 16, maxCapacity: 8 } }),
      "database.serverless.minCapacity",
      "must not exceed serverless.maxCapacity",
    );
  });

  it("rejects capacities off the 0.5 ACU grid or above 256", () => {
    expectOneError(errorsOf({ serverless: { minCapacity: 0.7 } }), "database.serverless.minCapacity", "must be a multiple of 0.5 ACU");
    expectOneError(errorsOf({ serverless: { maxCapacity: 300 } }), "database.serverless.maxCapacity", "must be between 0 and 256 ACUs; got 300");
  });

  it("rejects a backup retention outside 7-35 days", () => {
    expectOneError(errorsOf({ backupRetentionDays: 3 }, "development"), "database.backupRetentionDays", "must be between 7 and 35 days");
    expectOneError(errorsOf({ backupRetentionDays: 40 }, "development"), "database.backupRetentionDays", "got 40");
  });

  it("requires 35 days of backups and at least one reader in a production tier", () => {
    expectOneError(errorsOf({ backupRetentionDays: 14 }), "database.backupRetentionDays", "a production tier keeps 35 days of backups, got 14");
    expectOneError(errorsOf({ readers: 0 }), "database.readers", "a production tier needs at least 1 reader");
    expect(errorsOf({ backupRetentionDays: 7, readers: 0 }, "development")).toEqual([]);
  });

  it("rejects an engine version that is not a quoted major.minor", () => {
    expectOneError(errorsOf({ engineVersion: "16" }), "database.engineVersion", 'must be an Aurora PostgreSQL major.minor version such as "16.6"; got "16"');
    expectOneError(errorsOf({ engineVersion: "16.6.1" }), "database.engineVersion", "major.minor");
    expectOneError(errorsOf({ engineVersion: 16.6 as unknown as string }), "database.engineVersion", "in quotes");
  });

  it("rejects an instance class that is not an RDS class", () => {
    expectOneError(errorsOf({ instanceClass: "r7g.large" }), "database.instanceClass", "such as db.r7g.large, or db.serverless");
  });

  it("rejects malformed and overlapping backup and maintenance windows", () => {
    expectOneError(errorsOf({ backupWindow: "2:00-3:00" }), "database.backupWindow", "hh:mm-hh:mm");
    expectOneError(errorsOf({ backupWindow: "02:00-02:15" }), "database.backupWindow", "at least 30 minutes");
    expectOneError(errorsOf({ maintenanceWindow: "sunday 04:00" }), "database.maintenanceWindow", "ddd:hh:mm-ddd:hh:mm");
    expectOneError(
      errorsOf({ backupWindow: "03:30-04:30", maintenanceWindow: "sun:04:00-sun:05:00" }),
      "database.maintenanceWindow",
      "overlaps the backup window 03:30-04:30",
    );
    expectOneError(
      errorsOf({ backupWindow: "23:30-00:30", maintenanceWindow: "mon:00:00-mon:01:00" }),
      "database.maintenanceWindow",
      "overlaps the backup window",
    );
  });

  it("accepts only the Performance Insights retentions and monitoring intervals AWS offers", () => {
    expectOneError(errorsOf({ performanceInsightsRetentionDays: 30 }), "database.performanceInsightsRetentionDays", "7, a multiple of 31");
    expect(errorsOf({ performanceInsightsRetentionDays: 93 })).toEqual([]);
    expectOneError(errorsOf({ monitoringIntervalSeconds: 2 }), "database.monitoringIntervalSeconds", "0 (off), 1, 5, 10, 15, 30 or 60");
  });

  it("rejects an autoscaling range that cannot scale and a CPU target above 100%", () => {
    expectOneError(
      errorsOf({ readers: 3, readerAutoscaling: { enabled: true, max: 3 } }),
      "database.readerAutoscaling.max",
      "must be greater than the 3 readers",
    );
    expectOneError(
      errorsOf({ readerAutoscaling: { enabled: true, min: 5, max: 4 } }),
      "database.readerAutoscaling.min",
      "must not exceed readerAutoscaling.max",
    );
    expectOneError(errorsOf({ readerAutoscaling: { target: 120 } }), "database.readerAutoscaling.target", "at most 100 when metric is cpu");
  });

  it("needs a recovery region other than the primary for disaster recovery", () => {
    expectOneError(errorsOf({ disasterRecovery: { mode: "backup-copy" } }), "database.disasterRecovery.region", "is required when mode is backup-copy");
    expectOneError(
      errorsOf({ disasterRecovery: { mode: "backup-copy", region: "eu-central-1" } }),
      "database.disasterRecovery.region",
      "must differ from the environment's region eu-central-1",
    );
  });

  it("needs a separate VPC range and zones of the recovery region for a global database", () => {
    const base = { mode: "global-database" as const, region: "eu-west-1" };
    const missing = errorsOf({ disasterRecovery: base });
    expect(missing).toEqual([
      expect.stringContaining("database.disasterRecovery.cidr: is required when mode is global-database"),
      expect.stringContaining("database.disasterRecovery.availabilityZones: is required when mode is global-database"),
    ]);
    expectOneError(
      errorsOf({ disasterRecovery: { ...base, cidr: "10.0.0.0/16", availabilityZones: ["eu-west-1a", "eu-west-1b"] } }),
      "database.disasterRecovery.cidr",
      "overlaps the primary VPC 10.0.0.0/16",
    );
    expectOneError(
      errorsOf({ disasterRecovery: { ...base, cidr: "10.1.0.0/16", availabilityZones: ["eu-west-1a", "eu-central-1b"] } }),
      "database.disasterRecovery.availabilityZones[1]",
      "is not an availability zone of eu-west-1",
    );
  });
});

describe("disaster recovery config", () => {
  const globalDatabase = { mode: "global-database" as const, region: "eu-west-1", cidr: "10.1.0.0/16", availabilityZones: ["eu-west-1a", "eu-west-1b"] };

  it("accepts each mode's settings in that mode only", () => {
    expectOneError(
      errorsOf({ disasterRecovery: { mode: "backup-copy", region: "eu-west-1", secondaryInstances: 2 } as never }),
      "database.disasterRecovery.secondaryInstances",
      "unknown key",
    );
    expectOneError(errorsOf({ disasterRecovery: { mode: "none", region: "eu-west-1" } as never }), "database.disasterRecovery.region", "unknown key");
  });

  it("names the three modes when given another", () => {
    expectOneError(
      errorsOf({ disasterRecovery: { mode: "pilot-light" } as never }),
      "database.disasterRecovery.mode",
      'must be "none", "backup-copy" or "global-database"',
    );
  });

  it("plans the secondary region's subnets once, in the loaded environment", () => {
    const result = validateEnvironment("test", "config/test.yaml", {
      ...environmentInput({ tier: "production" }),
      database: { disasterRecovery: globalDatabase },
    });
    const dr = "environment" in result ? result.environment.database.disasterRecovery : undefined;
    expect(dr).toMatchObject({ mode: "global-database", region: "eu-west-1", cidr: "10.1.0.0/16", secondaryInstances: 1 });
    const plan = dr?.mode === "global-database" ? dr.subnetPlan : undefined;
    for (const tier of ["public", "private", "database"] as const) {
      expect(plan?.[tier].map((subnet) => subnet.availabilityZone)).toEqual(["eu-west-1a", "eu-west-1b"]);
    }
    expect(plan?.database.every((subnet) => subnet.cidr.startsWith("10.1."))).toBe(true);
  });

  it("fills in the backup copy's retention and schedule", () => {
    const result = validateEnvironment("test", "config/test.yaml", {
      ...environmentInput({ tier: "production" }),
      database: { disasterRecovery: { mode: "backup-copy", region: "eu-west-1" } },
    });
    expect("environment" in result && result.environment.database.disasterRecovery).toEqual({
      mode: "backup-copy",
      region: "eu-west-1",
      copyRetentionDays: 35,
      schedule: "cron(0 3 * * ? *)",
    });
  });
});

describe("shipped database config", () => {
  it("says in dev's config that its database is the cheaper one", () => {
    const text = fs.readFileSync(path.join(SHIPPED_CONFIG_DIR, "dev.yaml"), "utf8");
    const section = text.slice(text.indexOf("\ndatabase:"));
    expect(section).toMatch(/^\s+# Dev is cheaper: one Serverless v2 writer and no readers/m);
  });
});
