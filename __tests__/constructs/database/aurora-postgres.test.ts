import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { IrsaRole } from "../../../constructs/iam/irsa-role";
import { instanceSlots } from "../../../constructs/database/aurora-postgres";
import { databaseIn } from "../../support/data";
import { testEnvironment, testStack } from "../../support/environments";
import { countOf, onlyResource, policyOf, resourcesOf, synthStack } from "../../support/synth";

describe("AuroraPostgres", () => {
  it("admits security groups another service created (by id), SecurityGroup objects and objects exposing one, each with a description", () => {
    const stack = testStack();
    const db = databaseIn(stack, { allowFrom: { "eks-nodes": { id: "sg-0123456789abcdef0" } } });
    const bastion = new SecurityGroup(stack, "Bastion", { name: "bastion", description: "Bastion hosts" });
    db.allowFrom(bastion, "bastion");
    db.allowFrom({ securityGroup: bastion }, "migrations");
    const rules = Object.values(resourcesOf(synthStack(stack), "aws_vpc_security_group_ingress_rule"));
    expect(rules.map((rule) => [rule.description, rule.referenced_security_group_id, rule.from_port]).sort()).toEqual([
      ["PostgreSQL from bastion", "${aws_security_group.Bastion.id}", 5432],
      ["PostgreSQL from eks-nodes", "sg-0123456789abcdef0", 5432],
      ["PostgreSQL from migrations", "${aws_security_group.Bastion.id}", 5432],
    ]);
  });

  it("lets an IRSA role and a plain IAM role connect as one database user each through IAM authentication", () => {
    const stack = testStack();
    const db = databaseIn(stack);
    const irsa = new IrsaRole(stack, "App", {
      oidcProvider: { arn: "arn:aws:iam::123456789012:oidc-provider/oidc.example", issuer: "oidc.example" },
      roleName: "shop-test-app",
      namespace: "shop",
      serviceAccount: "api",
    });
    const job = new IamRole(stack, "Job", { name: "shop-test-job", assumeRolePolicy: "{}" });
    db.grantConnect(irsa, "app_api");
    db.grantConnect(job, "reporting");
    const policies = resourcesOf(synthStack(stack), "aws_iam_role_policy");
    const resources = Object.values(policies).map((policy) => [policy.role, policyOf(policy).Statement[0]]);
    expect(resources).toEqual([
      [
        expect.stringMatching(/^\$\{aws_iam_role\.App_Role_\w+\.name\}$/),
        {
          Effect: "Allow",
          Action: "rds-db:connect",
          Resource: "arn:aws:rds-db:eu-central-1:123456789012:dbuser:${aws_rds_cluster.Db_Cluster_91341799.cluster_resource_id}/app_api",
        },
      ],
      [
        "${aws_iam_role.Job.name}",
        {
          Effect: "Allow",
          Action: "rds-db:connect",
          Resource: "arn:aws:rds-db:eu-central-1:123456789012:dbuser:${aws_rds_cluster.Db_Cluster_91341799.cluster_resource_id}/reporting",
        },
      ],
    ]);
  });

  it("refuses a database user name PostgreSQL would not accept", () => {
    const stack = testStack();
    const db = databaseIn(stack);
    const job = new IamRole(stack, "Job", { name: "job", assumeRolePolicy: "{}" });
    expect(() => db.grantConnect(job, "app-api")).toThrow('grantConnect: "app-api" is not a PostgreSQL user name');
  });

  it("derives the parameter group family from the engine's major version", () => {
    const stack = testStack();
    databaseIn(stack);
    const synthesized = synthStack(stack);
    expect(onlyResource(synthesized, "aws_rds_cluster_parameter_group")).toMatchObject({
      family: "aurora-postgresql15",
      name_prefix: "shop-test-aurora-aurora-postgresql15-",
    });
    expect(onlyResource(synthesized, "aws_db_parameter_group").family).toBe("aurora-postgresql15");
  });

  it("names its replaceable parameter groups by prefix, so create_before_destroy never collides with the old group", () => {
    const stack = testStack();
    databaseIn(stack);
    const synthesized = synthStack(stack);
    for (const type of ["aws_rds_cluster_parameter_group", "aws_db_parameter_group"]) {
      const group = onlyResource(synthesized, type);
      expect(group.lifecycle).toMatchObject({ create_before_destroy: true });
      expect(group.name).toBeUndefined();
      expect(group.name_prefix).toMatch(/^shop-test-aurora-/);
    }
  });

  it("logs every DDL statement (CKV2_AWS_27)", () => {
    const stack = testStack();
    databaseIn(stack);
    expect(onlyResource(synthStack(stack), "aws_rds_cluster_parameter_group").parameter).toContainEqual({ name: "log_statement", value: "ddl" });
  });

  it("ignores the minor upgrades auto_minor_version_upgrade applies, instead of planning a downgrade", () => {
    const stack = testStack();
    databaseIn(stack);
    const synthesized = synthStack(stack);
    expect(onlyResource(synthesized, "aws_rds_cluster").lifecycle).toMatchObject({ ignore_changes: ["engine_version"] });
    for (const instance of Object.values(resourcesOf(synthesized, "aws_rds_cluster_instance"))) expect(instance.auto_minor_version_upgrade).toBe(true);
  });

  it("has deletion protection and a final snapshot unless told otherwise", () => {
    const stack = testStack();
    databaseIn(stack);
    expect(onlyResource(synthStack(stack), "aws_rds_cluster")).toMatchObject({
      deletion_protection: true,
      skip_final_snapshot: false,
    });
  });

  it("names the final snapshot after a value fixed at creation, so a recreated cluster's destroy never reuses a name", () => {
    const stack = testStack();
    databaseIn(stack);
    const synthesized = synthStack(stack);
    const [lifetimeId] = Object.keys(resourcesOf(synthesized, "terraform_data"));
    expect(onlyResource(synthesized, "aws_rds_cluster").final_snapshot_identifier).toBe(`shop-test-final-\${substr(terraform_data.${lifetimeId}.id, 0, 8)}`);
    expect(JSON.stringify(synthesized)).not.toContain("timestamp()");
  });

  it("creates no Enhanced Monitoring role when monitoring is off", () => {
    const stack = testStack();
    databaseIn(stack, { monitoringIntervalSeconds: 0 });
    const synthesized = synthStack(stack);
    expect(countOf(synthesized, "aws_iam_role")).toBe(0);
    for (const instance of Object.values(resourcesOf(synthesized, "aws_rds_cluster_instance"))) {
      expect(instance.monitoring_interval).toBe(0);
      expect(instance).not.toHaveProperty("monitoring_role_arn");
    }
  });

  it("keeps instance ids stable when readers are added: the writer and existing readers keep their addresses", () => {
    const idsWith = (readers: number) => {
      const stack = testStack();
      databaseIn(stack, { readers });
      return Object.keys(resourcesOf(synthStack(stack), "aws_rds_cluster_instance"));
    };
    const before = idsWith(1);
    const after = idsWith(2);
    expect(after).toEqual(expect.arrayContaining(before));
    expect(after).toHaveLength(3);
  });

  it("carries each instance of the former positional layout (Writer, Reader-n) to the slot of its AZ with a moved block", () => {
    const stack = testStack();
    databaseIn(stack, { readers: 2 });
    const synthesized = synthStack(stack) as {
      resource: Record<string, Record<string, { availability_zone?: string }>>;
      moved?: { from: string; to: string }[];
    };
    const moved = synthesized.moved ?? [];
    expect(moved.map(({ from }) => from.replace(/_[0-9A-F]{8}$/, "")).sort()).toEqual([
      "aws_rds_cluster_instance.Db_Reader-1",
      "aws_rds_cluster_instance.Db_Reader-2",
      "aws_rds_cluster_instance.Db_Writer",
    ]);
    // The addresses the positional layout gave these instances (synthesized from the code before the change).
    expect(moved.map(({ from }) => from)).toEqual(
      expect.arrayContaining([
        "aws_rds_cluster_instance.Db_Writer_8393FE50",
        "aws_rds_cluster_instance.Db_Reader-1_3A2E474E",
        "aws_rds_cluster_instance.Db_Reader-2_AB7E0CB1",
      ]),
    );
    const zones = testEnvironment().network.availabilityZones;
    const instances = synthesized.resource.aws_rds_cluster_instance;
    const zoneOfTarget = (to: string) => instances[to.replace("aws_rds_cluster_instance.", "")].availability_zone;
    // The former writer sat in the config's first AZ, reader n in the (n mod zones)-th.
    expect(moved.map(({ from, to }) => [from.replace(/_[0-9A-F]{8}$/, "").replace("aws_rds_cluster_instance.Db_", ""), zoneOfTarget(to)]).sort()).toEqual(
      [
        ["Reader-1", zones[1]],
        ["Reader-2", zones[2]],
        ["Writer", zones[0]],
      ].sort(),
    );
  });

  it("keeps every instance where it is when an AZ is added: the new AZ only gets the instances the round-robin gives it", () => {
    const zones = testEnvironment().network.availabilityZones;
    const added = [...zones, `${zones[0].slice(0, -1)}z`];
    const before = instanceSlots(zones, 2);
    const after = instanceSlots(added, 2);
    expect(after).toEqual(before);
    expect(instanceSlots(added, 3).slice(0, 3)).toEqual(before);
  });
});
