import { shippedEnvironments, tier } from "../support/environments";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { getStackWithNoUnmetDependants } from "@cdktf/cli-core/src/lib/helpers/stack-helpers";
import { environmentOf, SynthesizedStack } from "../../scripts/synthesized";
import {
  ARGOCD_RESOURCES_FINALIZER,
  AUTOSCALED_READER_PREFIX,
  destroyOrder,
  executePlan,
  formatPlan,
  Phase,
  RunStep,
  shellQuote,
  Step,
  teardownPlan,
  teardownTarget,
} from "../../scripts/teardown";
import { fixtureStack, synthesizeShipped } from "./support";

let shipped: SynthesizedStack[];

beforeAll(() => {
  shipped = synthesizeShipped();
});

/**
 * The order cdktf-cli 0.21 itself destroys stacks in (`CdktfProject.destroy` asks `getStackWithNoUnmetDependants` in
 * @cdktf/cli-core/src/lib/helpers/stack-helpers.js for the next stack), run one stack at a time.
 */
async function cdktfDestroyOrder(stacks: readonly Pick<SynthesizedStack, "name" | "dependencies">[]): Promise<string[]> {
  const executors = stacks.map((stack) => ({ stack: { name: stack.name, dependencies: [...stack.dependencies] }, currentState: "pending", isPending: true, currentWorkPromise: undefined }));
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
const allCommands = (phases: readonly Phase[]): string[] =>
  phases.flatMap((phase) => phase.steps).flatMap((step: Step) => (step.kind === "for-each" ? [step.list, ...step.each(step.placeholder)] : [step.argv])).map(shellQuote);

describe("destroy order", () => {
  it("destroys dev's delivery, then edge, platform, data, cluster and network", () => {
    expect(destroyOrder(shipped, tier.development.name)).toEqual([`${tier.development.name}-delivery`, `${tier.development.name}-edge`, `${tier.development.name}-platform`, `${tier.development.name}-data`, `${tier.development.name}-cluster`, `${tier.development.name}-network`]);
  });

  it.each(environments)("%s: every stack is destroyed after every stack that depends on it", (environment) => {
    const order = destroyOrder(shipped, environment);
    expect(order.sort()).toEqual(shipped.filter((stack) => environmentOf(stack.name) === environment).map((stack) => stack.name).sort());
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
    expect(order.slice(-2)).toEqual([`${tier.development.name}-cluster`, `${tier.development.name}-network`]);
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
      environment: "prod",
      region: tier.production.account.region,
      destroyOrder: [`${tier.production.name}-delivery`, `${tier.production.name}-edge`, `${tier.production.name}-platform`, `${tier.production.name}-data`, `${tier.production.name}-cluster`, `${tier.production.name}-network`],
      clusterName: tier.production.prefix,
      databaseClusterIdentifier: tier.production.prefix,
      readerAutoscaling: true,
      protections: [
        { kind: "database-deletion-protection", name: tier.production.prefix, region: tier.production.account.region },
        { kind: "versioned-bucket", name: `${tier.production.prefix}-alb-logs-${tier.production.account.id}`, region: tier.production.account.region },
        { kind: "versioned-bucket", name: `${tier.production.prefix}-cdn-logs-${tier.production.account.id}`, region: tier.production.account.region },
        { kind: "versioned-bucket", name: `${tier.production.prefix}-argocd-backup-${tier.production.account.id}-access-logs`, region: tier.production.account.region },
        { kind: "versioned-bucket", name: `${tier.production.prefix}-argocd-backup-${tier.production.account.id}`, region: tier.production.account.region },
        { kind: "backup-vault", name: `${tier.production.prefix}-aurora-dr`, region: tier.production.database.disasterRecovery.region },
        { kind: "backup-vault", name: `${tier.production.prefix}-aurora`, region: tier.production.account.region },
      ],
    });
    // dev keeps no backups, only the versioned ALB and CloudFront log buckets, which must be emptied before destroy
    expect(plan(tier.development.name).target).toMatchObject({
      readerAutoscaling: false,
      protections: [
        { kind: "versioned-bucket", name: `${tier.development.prefix}-alb-logs-${tier.production.account.id}`, region: tier.production.account.region },
        { kind: "versioned-bucket", name: `${tier.development.prefix}-cdn-logs-${tier.production.account.id}`, region: tier.production.account.region },
      ],
    });
  });

  it("removes Argo CD applications with their resources and waits for load balancers before destroying any stack", () => {
    const commands = allCommands(plan(tier.development.name).phases);
    const firstDestroy = commands.findIndex((command) => command.startsWith("node scripts/cdktf.js destroy"));
    const index = (fragment: string) => commands.findIndex((command) => command.includes(fragment));
    expect(commands[index("patch")]).toContain(ARGOCD_RESOURCES_FINALIZER);
    expect(index("delete applicationsets.argoproj.io")).toBeLessThan(index("delete applications.argoproj.io"));
    expect(index("patch")).toBeLessThan(index("delete applications.argoproj.io"));
    for (const fragment of ["delete applications.argoproj.io --all -n argocd", "get ingresses.networking.k8s.io", 'spec.type=="LoadBalancer"', "get targetgroupbindings.elbv2.k8s.aws"]) {
      expect(index(fragment)).toBeGreaterThanOrEqual(0);
      expect(index(fragment)).toBeLessThan(firstDestroy);
    }
  });

  it("waits on load balancers by polling until nothing is listed, with a time limit", () => {
    const waits = plan(tier.development.name).phases.flatMap((phase) => phase.steps).filter((step) => step.kind === "wait-until-empty");
    expect(waits.length).toBeGreaterThanOrEqual(3);
    for (const wait of waits) expect(wait).toMatchObject({ intervalSeconds: expect.any(Number), timeoutSeconds: expect.any(Number) });
  });

  it(`deletes prod's autoscaled readers and waits for each, after stopping the autoscaling, before destroying ${tier.production.name}-data`, () => {
    const phases = plan(tier.production.name).phases;
    const readers = phases.find((phase) => phase.title.startsWith("Remove the autoscaled Aurora readers"))!;
    const [deregister, each] = readers.steps;
    expect((deregister as RunStep).argv).toEqual([
      "aws", "application-autoscaling", "deregister-scalable-target", "--region", tier.production.account.region,
      "--service-namespace", "rds", "--scalable-dimension", "rds:cluster:ReadReplicaCount", "--resource-id", `cluster:${tier.production.prefix}`,
    ]);
    if (each.kind !== "for-each") throw new Error("expected a for-each step");
    expect(each.list).toEqual(expect.arrayContaining(["describe-db-clusters", "--db-cluster-identifier", tier.production.prefix]));
    expect(each.list.join(" ")).toContain(`starts_with(DBInstanceIdentifier, '${AUTOSCALED_READER_PREFIX}')`);
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
    const commands = allCommands(plan(tier.staging.name).phases).filter((command) => command.startsWith("node scripts/cdktf.js destroy") || command === "npm run synth");
    expect(commands).toEqual([
      "npm run synth",
      ...[`${tier.staging.name}-delivery`, `${tier.staging.name}-edge`, `${tier.staging.name}-platform`, `${tier.staging.name}-data`, `${tier.staging.name}-cluster`, `${tier.staging.name}-network`].map((stack) => `node scripts/cdktf.js destroy ${stack} --auto-approve --skip-synth --ignore-missing-stack-dependencies`),
    ]);
  });

  it("deletes leftover volume claims after the platform stack and before the cluster goes", () => {
    const commands = allCommands(plan(tier.production.name).phases);
    const claims = commands.findIndex((command) => command.includes("delete persistentvolumeclaims --all --all-namespaces"));
    expect(claims).toBeGreaterThan(commands.indexOf(`node scripts/cdktf.js destroy ${tier.production.name}-platform --auto-approve --skip-synth --ignore-missing-stack-dependencies`));
    expect(claims).toBeLessThan(commands.indexOf(`node scripts/cdktf.js destroy ${tier.production.name}-cluster --auto-approve --skip-synth --ignore-missing-stack-dependencies`));
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
    const firstDestroy = commands.findIndex((command) => command.startsWith("node scripts/cdktf.js destroy"));
    const at = (fragment: string) => commands.findIndex((command) => command.includes(fragment));
    expect(commands[at("--no-deletion-protection")]).toBe(`aws rds modify-db-cluster --region ${tier.production.account.region} --db-cluster-identifier ${tier.production.prefix} --no-deletion-protection --apply-immediately`);
    expect(at("--no-deletion-protection")).toBeLessThan(firstDestroy);
    expect(commands).toContain(`aws backup delete-recovery-point --region ${tier.production.database.disasterRecovery.region} --backup-vault-name ${tier.production.prefix}-aurora-dr --recovery-point-arn '<recovery-point-arn>'`);
    const bucket = target.protections.find((protection) => protection.kind === "versioned-bucket")!;
    const phase = teardownPlan(target, { kubeconfig: "/tmp/kc", acceptDataLoss: true }).find((candidate) => candidate.title.includes("--accept-data-loss"))!;
    const emptyBucket = phase.steps.find((step) => step.kind === "for-each" && step.list.includes(bucket.name));
    if (emptyBucket?.kind !== "for-each") throw new Error("expected a for-each step that empties the bucket");
    expect(emptyBucket.each("argocd/2026-11-22T030000Z.yaml\tv123")).toEqual([
      ["aws", "s3api", "delete-object", "--region", tier.production.account.region, "--bucket", bucket.name, "--key", "argocd/2026-11-22T030000Z.yaml", "--version-id", "v123"],
    ]);
  });

  it("names the environments it knows when asked for one that has no stacks", () => {
    const known = environments.slice().sort().join(", ");
    expect(() => teardownTarget(shipped, "nowhere")).toThrow(`no stacks for environment "nowhere"; synthesized environments: ${known}`);
  });

  it("quotes arguments for a POSIX shell when printing", () => {
    expect(shellQuote(["kubectl", "get", "-o", "jsonpath={.items}", "it's"])).toBe("kubectl get -o 'jsonpath={.items}' 'it'\\''s'");
  });
});

describe("--execute", () => {
  let bin: string;
  let calls: string;
  const savedPath = process.env.PATH;

  /** Fake `aws` and `kubectl` on PATH: they record their arguments; some print what a real account would. */
  beforeEach(() => {
    bin = fs.mkdtempSync(path.join(os.tmpdir(), "teardown-bin-"));
    calls = path.join(bin, "calls.log");
    const fake = (name: string, body: string) =>
      fs.writeFileSync(path.join(bin, name), `#!/bin/sh\necho "${name} $*" >> "${calls}"\n${body}\n`, { mode: 0o755 });
    fake("aws", 'case "$*" in *describe-db-clusters*) echo "application-autoscaling-a\tapplication-autoscaling-b" ;; *fail*) exit 3 ;; esac');
    // `get persistentvolumes` lists a volume twice, then nothing: the wait must poll until it is gone.
    fake("kubectl", `case "$*" in *persistentvolumes*) n=$(grep -c persistentvolumes "${calls}"); if [ "$n" -le 2 ]; then echo persistentvolume/pv-1; fi ;; esac`);
    process.env.PATH = `${bin}:${savedPath}`;
  });

  afterEach(() => {
    process.env.PATH = savedPath;
    fs.rmSync(bin, { recursive: true, force: true });
  });

  const recorded = () => fs.readFileSync(calls, "utf8").trim().split("\n");

  it("runs each step in order, one command per listed item, and polls a wait until nothing is left", async () => {
    await executePlan(
      [
        {
          title: "test",
          steps: [
            { kind: "run", why: "first", argv: ["aws", "first"] },
            {
              kind: "for-each",
              why: "each reader",
              list: ["aws", "rds", "describe-db-clusters"],
              split: "words",
              placeholder: "<id>",
              each: (id) => [["aws", "rds", "delete-db-instance", id]],
            },
            { kind: "wait-until-empty", why: "volumes", argv: ["kubectl", "get", "persistentvolumes"], intervalSeconds: 0, timeoutSeconds: 30 },
            { kind: "run", why: "last", argv: ["aws", "last"] },
          ],
        },
      ],
      () => undefined,
    );
    expect(recorded()).toEqual([
      "aws first",
      "aws rds describe-db-clusters",
      "aws rds delete-db-instance application-autoscaling-a",
      "aws rds delete-db-instance application-autoscaling-b",
      "kubectl get persistentvolumes",
      "kubectl get persistentvolumes",
      "kubectl get persistentvolumes",
      "aws last",
    ]);
  });

  it("stops at the first failing command and names it", async () => {
    const steps: Step[] = [
      { kind: "run", why: "fails", argv: ["aws", "fail"] },
      { kind: "run", why: "never runs", argv: ["aws", "after"] },
    ];
    await expect(executePlan([{ title: "test", steps }], () => undefined)).rejects.toThrow("`aws fail` exited with 3");
    expect(recorded()).toEqual(["aws fail"]);
  });
});
