import type { SynthesizedStack } from "../../../tools/lib/synth-output";
import { buildSystemModel, ChartDefaults } from "../../../tools/contracts/model";
import { resolve } from "../../../tools/contracts/terraform";
import { testEnvironment } from "../../support/environments";

const environment = testEnvironment();
const noDefaults: ChartDefaults = () => ({});

/** A network stack with one subnet and its output, and a cluster stack that reads it through remote state. */
function stacks(extra: Record<string, Record<string, Record<string, unknown>>> = {}): SynthesizedStack[] {
  return [
    {
      name: "test-network",
      dependencies: [],
      json: {
        resource: { aws_subnet: { PrivateA: { availability_zone: "eu-central-1a" } } },
        output: { "cross-stack-output-aws_subnetPrivateAid": { value: "${aws_subnet.PrivateA.id}" } },
      },
    },
    {
      name: "test-cluster",
      dependencies: ["test-network"],
      json: {
        data: { terraform_remote_state: { "cross-stack-reference-input-test-network": { backend: "s3", config: { key: "test/test-network.tfstate" } } } },
        resource: {
          aws_eks_node_group: {
            Stateful: {
              node_group_name: "shop-test-stateful",
              capacity_type: "ON_DEMAND",
              labels: { workload: "stateful" },
              taint: [{ key: "workload", value: "stateful", effect: "NO_SCHEDULE" }],
              subnet_ids: ["${data.terraform_remote_state.cross-stack-reference-input-test-network.outputs.cross-stack-output-aws_subnetPrivateAid}"],
            },
          },
          kubernetes_service_account_v1: { Backup: { metadata: { name: "backup", namespace: "ops" } } },
          kubernetes_cron_job_v1: {
            Backup: {
              metadata: { name: "backup", namespace: "ops" },
              spec: {
                job_template: {
                  spec: {
                    template: {
                      spec: {
                        service_account_name: "${kubernetes_service_account_v1.Backup.metadata[0].name}",
                        container: [{ name: "upload", env_from: [{ secret_ref: { name: "creds" } }] }],
                      },
                    },
                  },
                },
              },
            },
          },
          ...extra,
        },
      },
    },
  ];
}

describe("the system model", () => {
  const model = buildSystemModel(environment, stacks(), undefined, noDefaults);

  it("resolves a remote-state reference to the upstream stack's resource", () => {
    const resolved = resolve(
      model.stacks,
      "test-cluster",
      "${data.terraform_remote_state.cross-stack-reference-input-test-network.outputs.cross-stack-output-aws_subnetPrivateAid}",
    );
    expect(resolved).toMatchObject({ kind: "resource", stack: "test-network", type: "aws_subnet", name: "PrivateA", attribute: "id" });
  });

  it("gives a node pool its config pool, Kubernetes taint spelling and the AZs of its remote subnets", () => {
    expect(model.nodePools).toEqual([
      expect.objectContaining({
        name: "shop-test-stateful",
        pool: "stateful",
        taints: [{ key: "workload", value: "stateful", effect: "NoSchedule" }],
        zones: ["eu-central-1a"],
        labels: expect.objectContaining({
          workload: "stateful",
          "topology.kubernetes.io/zone": "eu-central-1a",
          "eks.amazonaws.com/capacityType": "ON_DEMAND",
        }),
      }),
    ]);
  });

  it("reads a Terraform CronJob as a workload in manifest spelling, with same-stack names resolved", () => {
    const [cron] = model.workloads;
    expect(cron).toMatchObject({ kind: "CronJob", name: "backup", namespace: "ops", owner: "platform" });
    expect(cron.podSpec).toEqual({ serviceAccountName: "backup", containers: [{ name: "upload", envFrom: [{ secretRef: { name: "creds" } }] }] });
  });

  it("stops with one line naming a release whose chart the chart table does not know", () => {
    const withRelease = stacks({
      helm_release: { Thing: { name: "thing", namespace: "thing", chart: "thing", repository: "https://example.com", version: "1.2.3", values: [] } },
    });
    expect(() => buildSystemModel(environment, withRelease, undefined, noDefaults)).toThrow(
      "test-cluster helm_release thing: chart thing 1.2.3 has no entry in tools/contracts/chart-workloads.ts; add what it renders (workloads, service accounts, CRDs)",
    );
  });
});
