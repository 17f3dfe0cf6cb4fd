import * as fs from "fs";
import * as path from "path";
import { Construct } from "constructs";
import { App } from "cdktf";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { EnvironmentConfig } from "../../config";
import { runStacks, StackRun } from "../../scripts/harness/runner";
import { EdgeStack } from "../../stacks/edge-stack";
import { EnvironmentStack } from "../../stacks/environment-stack";
import { NetworkStack } from "../../stacks/network-stack";
import { fakeCluster } from "../support/edge";
import { shippedEnvironments } from "../support/environments";
import { dataSources, Plan, plannedResources, SHIPPED_ENVIRONMENTS } from "./harness";
import { INTEGRATION_DIR } from "./paths";

/** The cluster layer as the edge stack sees it: a node security group in the network's VPC, in `<env>-cluster`. */
class ClusterStandIn extends EnvironmentStack {
  readonly nodeSecurityGroup: SecurityGroup;

  constructor(scope: Construct, environment: EnvironmentConfig, network: NetworkStack) {
    super(scope, environment, "cluster");
    this.nodeSecurityGroup = new SecurityGroup(this, "Nodes", {
      name: `${environment.prefix}-nodes`,
      description: "Stand-in for the EKS node security group",
      vpcId: network.network.vpc.id,
    });
  }
}

/**
 * Offline plans of `<env>-edge` for every shipped environment with the real AWS provider. main.ts builds the edge
 * layer only once the cluster layer exists, so this app stands in for the cluster with its node security group.
 */
describe("offline plans of <env>-edge", () => {
  const dir = path.join(INTEGRATION_DIR, "edge");
  let results: Record<string, StackRun>;

  beforeAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(path.join(dir, "out"), { recursive: true });
    const app = new App({ outdir: path.join(dir, "out") });
    for (const environment of shippedEnvironments()) {
      const network = new NetworkStack(app, environment);
      const cluster = new ClusterStandIn(app, environment, network);
      new EdgeStack(app, environment, { network: network.network, cluster: { ...fakeCluster(environment), nodeSecurityGroupId: cluster.nodeSecurityGroup.id } });
    }
    app.synth();
    results = await runStacks({
      outDir: path.join(dir, "out"),
      workDir: dir,
      mode: "offline",
      only: SHIPPED_ENVIRONMENTS.map((environment) => `${environment}-edge`),
      log: (line) => process.stderr.write(`  [terraform] ${line}\n`),
    });
  });

  const plan = (environment: string): Plan => {
    const run = results[`${environment}-edge`];
    if (!run.planned) throw new Error(`${environment}-edge did not plan:\n${run.error}`);
    return JSON.parse(fs.readFileSync(run.planFile!, "utf8")) as Plan;
  };
  const only = (environment: string, type: string) => {
    const resources = plannedResources(plan(environment), type);
    expect(resources).toHaveLength(1);
    return resources[0].values;
  };

  describe.each(SHIPPED_ENVIRONMENTS)("%s-edge", (environment) => {
    it("plans with the AWS provider alone and reads no data source", () => {
      expect(results[`${environment}-edge`].error).toBeUndefined();
      expect(dataSources(plan(environment)).filter((type) => type !== "terraform_remote_state")).toEqual([]);
      expect(new Set(plannedResources(plan(environment)).map((resource) => resource.type.split("_")[0]))).toEqual(new Set(["aws"]));
    });

    it("serves HTTPS only with TLSv1.2_2021 behind the CloudFront web ACL", () => {
      const distribution = only(environment, "aws_cloudfront_distribution");
      expect((distribution.viewer_certificate as Record<string, unknown>[])[0]).toMatchObject({ minimum_protocol_version: "TLSv1.2_2021" });
      expect((distribution.default_cache_behavior as Record<string, unknown>[])[0].viewer_protocol_policy).toBe("https-only");
      expect(distribution.http_version).toBe("http2and3");
      expect(only(environment, "aws_wafv2_web_acl").scope).toBe("CLOUDFRONT");
    });

    it("keeps sessions sticky on an IP target group behind an internal ALB that drops invalid headers", () => {
      const targetGroup = only(environment, "aws_lb_target_group");
      expect((targetGroup.stickiness as Record<string, unknown>[])[0]).toMatchObject({ type: "lb_cookie", enabled: true });
      expect(targetGroup.target_type).toBe("ip");
      expect(only(environment, "aws_lb")).toMatchObject({ internal: true, drop_invalid_header_fields: true });
    });

    it("validates both certificates with DNS records planned before the certificates exist", () => {
      const records = plannedResources(plan(environment), "aws_route53_record").filter((record) => record.address.includes("ValidationRecord"));
      expect(records).toHaveLength(2);
      expect(plannedResources(plan(environment), "aws_acm_certificate_validation")).toHaveLength(2);
    });
  });

  it("protects only the production ALB from deletion", () => {
    expect(SHIPPED_ENVIRONMENTS.map((environment) => only(environment, "aws_lb").enable_deletion_protection)).toEqual([false, false, true]);
  });

  it("reports what each plan creates", () => {
    const counts = SHIPPED_ENVIRONMENTS.map((environment) => `${environment}-edge: ${plannedResources(plan(environment)).length} resources`);
    process.stdout.write(`${counts.join("\n")}\n`);
    expect(plannedResources(plan("prod")).length).toBeGreaterThan(40);
  });
});
