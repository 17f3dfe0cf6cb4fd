import type { EnvironmentConfig } from "../../../config";
import { shippedEnvironment, shippedEnvironments, tier } from "../../support/environments";
import { environmentGuardrails } from "../../../config/schema/guardrails";
import { pipelineRolesOf } from "../../../constructs/iam/pipeline-roles";
import { terraformCloudOf } from "../../../constructs/tfc/environment";
import { getStackWithNoUnmetDependants } from "@cdktf/cli-core/src/lib/helpers/stack-helpers";
import { terraformVersion } from "@cdktf/commons";
import { environmentOf, SynthesizedStack } from "../../../tools/lib/synth-output";
import { destroyOrder, formatPlan, Phase, refuseProtectedData, RunStep, shellQuote, Step, teardownPlan, teardownTarget } from "../../../tools/teardown/plan";
import { fixtureStack, synthesizeShipped } from "../support";
import { stepCommands } from "./steps";

let shipped: SynthesizedStack[];

beforeAll(() => {
  shipped = synthesizeShipped();
});

// Loading @cdktf/cli-core starts `terraform version` in the background (@cdktf/commons, at import); a worker that
// ends with it still running cannot exit ("a worker process has failed to exit gracefully").
afterAll(async () => {
  await terraformVersion;
});

/**
 * The order cdktf-cli 0.21 itself destroys stacks in (`CdktfProject.destroy` asks `getStackWithNoUnmetDependants` in
 * @cdktf/cli-core/src/lib/helpers/stack-helpers.js for the next stack), run one stack at a time.
 */
async function cdktfDestroyOrder(stacks: readonly Pick<SynthesizedStack, "name" | "dependencies">[]): Promise<string[]> {
  const executors = stacks.map((stack) => ({
    stack: { name: stack.name, dependencies: [...stack.dependencies] },
    currentState: "pending",
    isPending: true,
    currentWorkPromise: undefined,
  }));
  const order: string[] = [];
  for (let next = await getStackWithNoUnmetDependants(executors as never); next; next = await getStackWithNoUnmetDependants(executors as never)) {
    const executor = next as unknown as (typeof executors)[number];
    executor.currentState = "done";
    executor.isPending = false;
    order.push(executor.stack.name);
  }
  return order;
}

const environments = shippedEnvironments().map((environment) => environment.name);
/**
 * The order an environment's stacks must be destroyed in: the reverse of the deploy order (the fact under test), of the
 * layers its config gives it (delivery and edge with an edge, the runner where a pipeline deploys).
 */
const destroyedInOrder = (name: string): string[] => {
  const environment = shippedEnvironment(name);
  const present = (layer: string) =>
    layer === "delivery" || layer === "edge"
      ? environment.edge !== undefined
      : layer === "runner"
        ? pipelineRolesOf(environment) !== undefined || terraformCloudOf(environment) !== undefined
        : true;
  return ["delivery", "edge", "platform", "data", "cluster", "runner", "network"].filter(present).map((layer) => `${name}-${layer}`);
};
/**
 * What Velero's backups leave to empty (platform.velero): the bucket and its access logs, their copies in the recovery
 * region where disaster recovery is on, and the EBS snapshots its VolumeSnapshotClass tags with the prefix.
 */
const clusterBackups = (environment: EnvironmentConfig) => {
  if (!environment.platform.velero.enabled) return [];
  const home = environment.account.region;
  const bucket = `${environment.prefix}-backups-${environment.account.id}`;
  const recovery = environment.database.disasterRecovery;
  const replica = recovery.mode === "none" || !recovery.region ? undefined : { name: `${bucket}-dr`, region: recovery.region };
  return [
    { kind: "versioned-bucket", name: `${bucket}-logs`, region: home },
    { kind: "versioned-bucket", name: bucket, region: home },
    ...(replica
      ? [
          { kind: "versioned-bucket", name: `${replica.name}-logs`, region: replica.region },
          { kind: "versioned-bucket", name: replica.name, region: replica.region },
        ]
      : []),
    { kind: "backup-snapshots", name: `velero-backup-of=${environment.prefix}`, region: home },
  ];
};

const allCommands = (phases: readonly Phase[]): string[] =>
  phases
    .flatMap((phase) => phase.steps)
    .flatMap(commandsOf)
    .map(shellQuote);
/** A step's commands, a nested step's inner commands included (with the placeholders the printed plan shows). */
const commandsOf = (step: Step): (readonly string[])[] => stepCommands(step);

describe("destroy order", () => {
  it("destroys dev's delivery, then edge, platform, data, cluster, the runner the cluster admits, and network", () => {
    expect(destroyOrder(shipped, tier.development.name)).toEqual(destroyedInOrder(tier.development.name));
  });

  it.each(environments)("%s: every stack is destroyed after every stack that depends on it", (environment) => {
    const order = destroyOrder(shipped, environment);
    expect(order.sort()).toEqual(
      shipped
        .filter((stack) => environmentOf(stack.name) === environment)
        .map((stack) => stack.name)
        .sort(),
    );
    const ordered = destroyOrder(shipped, environment);
    for (const stack of shipped.filter((candidate) => ordered.includes(candidate.name))) {
      for (const dependency of stack.dependencies) expect(ordered.indexOf(stack.name)).toBeLessThan(ordered.indexOf(dependency));
    }
  });

  it.each(environments)("%s: is the order `cdktf destroy` itself uses", async (environment) => {
    const own = shipped.filter((stack) => environmentOf(stack.name) === environment);
    expect(destroyOrder(shipped, environment)).toEqual(await cdktfDestroyOrder(own));
  });

  it("puts any new dependent layer before the cluster and network it reads", async () => {
    const withExtra = [
      ...shipped.filter((stack) => environmentOf(stack.name) === tier.development.name),
      fixtureStack(`${tier.development.name}-search`, {}, { dependencies: [`${tier.development.name}-network`, `${tier.development.name}-cluster`] }),
    ];
    const order = destroyOrder(withExtra, tier.development.name);
    expect(order.indexOf(`${tier.development.name}-search`)).toBeLessThan(order.indexOf(`${tier.development.name}-cluster`));
    // From the cluster on, the order is the config's (the cluster, the runner it admits where there is one, the network).
    const fromCluster = (stacks: string[]) => stacks.slice(stacks.indexOf(`${tier.development.name}-cluster`));
    expect(fromCluster(order)).toEqual(fromCluster(destroyedInOrder(tier.development.name)));
    expect(order).toEqual(await cdktfDestroyOrder(withExtra));
  });

  it("reports a dependency cycle instead of looping", () => {
    const cycle = [fixtureStack("lab-a", {}, { dependencies: ["lab-b"] }), fixtureStack("lab-b", {}, { dependencies: ["lab-a"] })];
    expect(() => destroyOrder(cycle, "lab")).toThrow("stack dependency cycle among lab-a, lab-b");
  });
});

describe("teardown steps", () => {
  const plan = (environment: string) => {
    const target = teardownTarget(shipped, environment);
    return { target, phases: teardownPlan(target, { kubeconfig: "/tmp/kc", acceptDataLoss: false }) };
  };

  it("reads the cluster, database and region of the environment from the synthesized stacks", () => {
    expect(plan(tier.production.name).target).toEqual({
      environment: tier.production.name,
      region: tier.production.account.region,
      destroyOrder: destroyedInOrder(tier.production.name),
      clusterName: tier.production.prefix,
      databaseClusterIdentifier: tier.production.prefix,
      readerAutoscaling: true,
      // The account's guardrails stack stays; its GuardDuty's endpoint in the VPC is cleaned up (guardrails.test.ts).
      ...(environmentGuardrails(tier.production).enabled ? { guardrails: expect.objectContaining({ stack: `guardrails-${tier.production.account.id}` }) } : {}),
      kyverno: tier.production.platform.kyverno.enabled,
      protections: [
        { kind: "database-deletion-protection", name: tier.production.prefix, region: tier.production.account.region },
        { kind: "load-balancer-deletion-protection", name: `${tier.production.prefix}-web`, region: tier.production.account.region },
        { kind: "non-empty-repository", name: `${tier.production.prefix}/web`, region: tier.production.account.region },
        { kind: "retained-volumes", name: "gp3", region: tier.production.account.region },
        { kind: "versioned-bucket", name: `${tier.production.prefix}-alb-logs-${tier.production.account.id}`, region: tier.production.account.region },
        { kind: "versioned-bucket", name: `${tier.production.prefix}-cdn-logs-${tier.production.account.id}`, region: tier.production.account.region },
        {
          kind: "versioned-bucket",
          name: `${tier.production.prefix}-argocd-backup-${tier.production.account.id}-access-logs`,
          region: tier.production.account.region,
        },
        { kind: "versioned-bucket", name: `${tier.production.prefix}-argocd-backup-${tier.production.account.id}`, region: tier.production.account.region },
        ...clusterBackups(tier.production),
        { kind: "backup-vault", name: `${tier.production.prefix}-aurora-dr`, region: tier.production.database.disasterRecovery.region },
        { kind: "backup-vault", name: `${tier.production.prefix}-aurora`, region: tier.production.account.region },
        ...[
          // user-supplied (empty until their owners put a value) and generated secrets of the platform layer
          ...tier.production.platform.kubePrometheusStack.alertmanager.receivers.map((receiver) => receiver.secretName),
          tier.production.platform.argoCd.sso!.clientSecretName,
          tier.production.edge!.gitops.repoCredentialsSecret!,
          tier.production.platform.kubePrometheusStack.grafana.adminSecretName!,
          `${tier.production.prefix}/vault/recovery`,
        ].map((name) => ({ kind: "secret-recovery-window", name, region: tier.production.account.region })),
        { kind: "final-snapshot", name: `${tier.production.prefix}-final-*`, region: tier.production.account.region },
      ],
    });
    // dev keeps no database backups: only the versioned ALB and CloudFront log buckets of its edge (when its config
    // has one) and its cluster backups (when Velero is on), which must be emptied before destroy
    expect(plan(tier.development.name).target).toMatchObject({
      readerAutoscaling: false,
      protections: [
        ...(tier.development.edge
          ? [
              { kind: "versioned-bucket", name: `${tier.development.prefix}-alb-logs-${tier.development.account.id}`, region: tier.development.account.region },
              { kind: "versioned-bucket", name: `${tier.development.prefix}-cdn-logs-${tier.development.account.id}`, region: tier.development.account.region },
            ]
          : []),
        ...clusterBackups(tier.development),
      ],
    });
  });

  it("removes Argo CD applications with their resources and waits for load balancers before destroying any stack", () => {
    const commands = allCommands(plan(tier.development.name).phases);
    const firstDestroy = commands.findIndex((command) => command.startsWith("node --require tsx/cjs tools/cdktf.ts destroy"));
    const index = (fragment: string) => commands.findIndex((command) => command.includes(fragment));
    // Argo CD deletes an Application's resources before the Application only under this finalizer.
    expect(commands[index("patch")]).toContain("resources-finalizer.argocd.argoproj.io");
    expect(index("delete applicationsets.argoproj.io")).toBeLessThan(index("delete applications.argoproj.io"));
    expect(index("patch")).toBeLessThan(index("delete applications.argoproj.io"));
    for (const fragment of [
      "delete applications.argoproj.io --all -n argocd",
      "get ingresses.networking.k8s.io",
      'spec.type=="LoadBalancer"',
      "get targetgroupbindings.elbv2.k8s.aws",
    ]) {
      expect(index(fragment)).toBeGreaterThanOrEqual(0);
      expect(index(fragment)).toBeLessThan(firstDestroy);
    }
  });

  it("waits on load balancers by polling until nothing is listed, with a time limit", () => {
    const waits = plan(tier.development.name)
      .phases.flatMap((phase) => phase.steps)
      .filter((step) => step.kind === "wait-until-empty");
    expect(waits.length).toBeGreaterThanOrEqual(3);
    for (const wait of waits) expect(wait).toMatchObject({ intervalSeconds: expect.any(Number), timeoutSeconds: expect.any(Number) });
  });

  it(`deletes prod's autoscaled readers and waits for each, after stopping the autoscaling, before destroying ${tier.production.name}-data`, () => {
    const phases = plan(tier.production.name).phases;
    const readers = phases.find((phase) => phase.title.startsWith("Remove the autoscaled Aurora readers"))!;
    const [deregister, each] = readers.steps;
    expect((deregister as RunStep).argv).toEqual([
      "aws",
      "application-autoscaling",
      "deregister-scalable-target",
      "--region",
      tier.production.account.region,
      "--service-namespace",
      "rds",
      "--scalable-dimension",
      "rds:cluster:ReadReplicaCount",
      "--resource-id",
      `cluster:${tier.production.prefix}`,
    ]);
    if (each.kind !== "for-each") throw new Error("expected a for-each step");
    expect(each.list).toEqual(expect.arrayContaining(["describe-db-clusters", "--db-cluster-identifier", tier.production.prefix]));
    // Aurora Auto Scaling names the readers it adds application-autoscaling-<id>.
    expect(each.list.join(" ")).toContain("starts_with(DBInstanceIdentifier, 'application-autoscaling-')");
    expect(each.each("application-autoscaling-1234")).toEqual([
      ["aws", "rds", "delete-db-instance", "--region", tier.production.account.region, "--db-instance-identifier", "application-autoscaling-1234"],
      ["aws", "rds", "wait", "db-instance-deleted", "--region", tier.production.account.region, "--db-instance-identifier", "application-autoscaling-1234"],
    ]);
    expect(phases.indexOf(readers)).toBeLessThan(phases.findIndex((phase) => phase.title.startsWith("Destroy the stacks")));
  });

  it("has no reader phase where no reader autoscaling exists", () => {
    expect(plan(tier.development.name).phases.map((phase) => phase.title)).not.toContainEqual(expect.stringContaining("autoscaled Aurora readers"));
  });

  it("runs cdktf destroy one stack at a time in the destroy order, after a synth", () => {
    const commands = allCommands(plan(tier.staging.name).phases).filter(
      (command) => command.startsWith("node --require tsx/cjs tools/cdktf.ts destroy") || command === "npm run synth",
    );
    expect(commands).toEqual([
      "npm run synth",
      ...destroyedInOrder(tier.staging.name).map(
        (stack) => `node --require tsx/cjs tools/cdktf.ts destroy ${stack} --auto-approve --skip-synth --ignore-missing-stack-dependencies`,
      ),
    ]);
  });

  it("deletes leftover volume claims after the platform stack and before the cluster goes", () => {
    const commands = allCommands(plan(tier.production.name).phases);
    const claims = commands.findIndex((command) => command.includes("delete persistentvolumeclaims --all --all-namespaces"));
    expect(claims).toBeGreaterThan(
      commands.indexOf(
        `node --require tsx/cjs tools/cdktf.ts destroy ${tier.production.name}-platform --auto-approve --skip-synth --ignore-missing-stack-dependencies`,
      ),
    );
    expect(claims).toBeLessThan(
      commands.indexOf(
        `node --require tsx/cjs tools/cdktf.ts destroy ${tier.production.name}-cluster --auto-approve --skip-synth --ignore-missing-stack-dependencies`,
      ),
    );
  });

  it("lists prod's protected data in the printed plan and removes none of it by default", () => {
    const { target, phases } = plan(tier.production.name);
    expect(formatPlan(target, phases)).toContain(`Aurora cluster ${tier.production.prefix} has deletion protection`);
    expect(allCommands(phases).join("\n")).not.toMatch(/no-deletion-protection|delete-recovery-point|delete-object /);
    expect(formatPlan(plan(tier.development.name).target, plan(tier.development.name).phases)).not.toContain("deletion protection");
  });

  it("with --accept-data-loss, empties backups and lifts deletion protection before the first destroy", () => {
    const target = teardownTarget(shipped, tier.production.name);
    const commands = allCommands(teardownPlan(target, { kubeconfig: "/tmp/kc", acceptDataLoss: true }));
    const firstDestroy = commands.findIndex((command) => command.startsWith("node --require tsx/cjs tools/cdktf.ts destroy"));
    const at = (fragment: string) => commands.findIndex((command) => command.includes(fragment));
    expect(commands[at("--no-deletion-protection")]).toBe(
      `aws rds modify-db-cluster --region ${tier.production.account.region} --db-cluster-identifier ${tier.production.prefix} --no-deletion-protection --apply-immediately`,
    );
    expect(at("--no-deletion-protection")).toBeLessThan(firstDestroy);
    expect(commands).toContain(
      `aws backup delete-recovery-point --region ${tier.production.database.disasterRecovery.region} --backup-vault-name ${tier.production.prefix}-aurora-dr --recovery-point-arn '<recovery-point-arn>'`,
    );
    const bucket = target.protections.find((protection) => protection.kind === "versioned-bucket")!;
    const phase = teardownPlan(target, { kubeconfig: "/tmp/kc", acceptDataLoss: true }).find((candidate) => candidate.title.includes("--accept-data-loss"))!;
    const emptyBucket = phase.steps.find((step) => step.kind === "for-each" && step.list.includes(bucket.name));
    if (emptyBucket?.kind !== "for-each") throw new Error("expected a for-each step that empties the bucket");
    expect(emptyBucket.each("argocd/2026-11-22T030000Z.yaml\tv123")).toEqual([
      [
        "aws",
        "s3api",
        "delete-object",
        "--region",
        tier.production.account.region,
        "--bucket",
        bucket.name,
        "--key",
        "argocd/2026-11-22T030000Z.yaml",
        "--version-id",
        "v123",
      ],
    ]);
  });

  describe("`teardown <production env> --accept-data-loss`, names from the loaded config", () => {
    const production = shippedEnvironments().filter((environment) => environment.isProduction);

    it.each(production.map((environment) => [environment.name, environment] as const))(
      "%s: lists and releases every protection, in order, before the first destroy",
      (name, environment) => {
        const target = teardownTarget(shipped, name);
        const printed = formatPlan(target, teardownPlan(target, { kubeconfig: "/tmp/kc", acceptDataLoss: true })).split("\n");
        const at = (fragment: string) => {
          const index = printed.findIndex((line) => line.includes(fragment));
          expect([fragment, index >= 0]).toEqual([fragment, true]);
          return index;
        };
        const region = environment.account.region;
        const releases = [
          `modify-db-cluster --region ${region} --db-cluster-identifier ${environment.prefix} --no-deletion-protection`,
          "Key=deletion_protection.enabled,Value=false",
          ...(environment.edge?.ecrRepositories ?? []).map(
            (repository) => `ecr batch-delete-image --region ${region} --repository-name ${environment.prefix}/${repository}`,
          ),
          `"persistentVolumeReclaimPolicy":"Delete"`,
          "s3api delete-object",
          ...(environment.platform.velero.enabled
            ? [`ec2 describe-snapshots --region ${region} --owner-ids self --filters Name=tag:velero-backup-of,Values=${environment.prefix}`]
            : []),
          "backup delete-recovery-point",
          `secretsmanager delete-secret --region ${region} --secret-id ${environment.prefix}/vault/recovery --force-delete-without-recovery`,
        ];
        const positions = releases.map(at);
        expect([...positions].sort((a, b) => a - b)).toEqual(positions);
        const firstDestroy = at("node --require tsx/cjs tools/cdktf.ts destroy");
        expect(Math.max(...positions)).toBeLessThan(firstDestroy);
        // The volumes are made deletable before the claims are deleted, so the wait for PersistentVolumes to go ends.
        expect(at(`"persistentVolumeReclaimPolicy":"Delete"`)).toBeLessThan(at("delete persistentvolumeclaims"));
        expect(printed.join("\n")).toContain(`final snapshot ${environment.prefix}-final-*`);
      },
    );

    it.each(production.map((environment) => [environment.name] as const))("%s: without the flag, says what protects what and changes nothing", (name) => {
      const target = teardownTarget(shipped, name);
      const phases = teardownPlan(target, { kubeconfig: "/tmp/kc", acceptDataLoss: false });
      const printed = formatPlan(target, phases);
      for (const fragment of ["has deletion protection", "has no force_delete", "retains volumes (reclaimPolicy Retain)", "has a recovery window"])
        expect(printed).toContain(fragment);
      expect(allCommands(phases).join("\n")).not.toMatch(
        /deletion_protection\.enabled,Value=false|batch-delete-image|persistentVolumeReclaimPolicy|force-delete-without-recovery/,
      );
    });

    it("refuses to execute without the flag, naming each protection", () => {
      const target = teardownTarget(shipped, production[0].name);
      let message = "";
      try {
        refuseProtectedData(target, false);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toContain("refusing to execute, nothing was changed");
      for (const protection of target.protections.filter((candidate) => candidate.kind !== "final-snapshot")) expect(message).toContain(protection.name);
      expect(() => refuseProtectedData(target, true)).not.toThrow();
    });
  });

  it("names the environments it knows when asked for one that has no stacks", () => {
    const known = environments.slice().sort().join(", ");
    expect(() => teardownTarget(shipped, "nowhere")).toThrow(`no stacks for environment "nowhere"; synthesized environments: ${known}`);
  });

  it("quotes arguments for a POSIX shell when printing", () => {
    expect(shellQuote(["kubectl", "get", "-o", "jsonpath={.items}", "it's"])).toBe("kubectl get -o 'jsonpath={.items}' 'it'\\''s'");
  });
});
