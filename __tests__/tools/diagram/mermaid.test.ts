import * as fs from "fs";
import * as path from "path";
import { architectureDiagram, architectureDocument, withReadmeDiagram } from "../../../tools/diagram/mermaid";
import { SynthesizedStack } from "../../../tools/lib/synth-output";
import { REPO_ROOT } from "../../support/environments";
import { fixtureStack, synthesizeRepositoryConfig } from "../support";

let shipped: SynthesizedStack[];
let diagram: string;

beforeAll(() => {
  // the diagram in the docs is generated from the repository's own config/
  shipped = synthesizeRepositoryConfig();
  diagram = architectureDiagram(shipped);
});

const read = (file: string) => fs.readFileSync(path.join(REPO_ROOT, file), "utf8");

describe("architecture diagram", () => {
  it("docs/architecture.md is what `npm run diagram` generates from the current code (run it when this fails)", () => {
    expect(read("docs/architecture.md")).toBe(architectureDocument(diagram));
  });

  it("the README shows the same diagram (run `npm run diagram` when this fails)", () => {
    const readme = read("README.md");
    expect(readme).toBe(withReadmeDiagram(readme, diagram));
  });

  it("has a box for every stack and an arrow for every dependency in cdktf's manifest", () => {
    for (const stack of shipped) {
      expect(diagram).toContain(`<b>${stack.name}</b>`);
      for (const dependency of stack.dependencies) {
        expect(diagram).toContain(`  ${dependency.replace(/-/g, "_")} --> ${stack.name.replace(/-/g, "_")}`);
      }
    }
  });

  it("names the main resources of each layer with their counts", () => {
    expect(diagram).toMatch(/<b>prod-network<\/b><br\/>1 VPC<br\/>9 subnets<br\/>3 NAT gateways<br\/>12 VPC endpoints/);
    expect(diagram).toMatch(/<b>prod-data<\/b><br\/>1 Aurora cluster<br\/>3 Aurora instances<br\/>1 backup plan/);
    expect(diagram).toMatch(/<b>dev-cluster<\/b><br\/>1 EKS cluster<br\/>3 node groups/);
    // prod's disaster recovery copies the cluster backups to its recovery region.
    expect(diagram).toMatch(/<b>prod-platform<\/b><br\/>\d+ S3 buckets<br\/>1 S3 replication to another region<br\//);
  });

  it("draws a stack of a new layer (an edge stack) with its resources and dependencies, without code changes", () => {
    const edge = architectureDiagram([
      fixtureStack("dev-network", {}),
      fixtureStack(
        "dev-edge",
        { aws_lb: { Alb: {} }, aws_cloudfront_distribution: { Cdn: {} }, aws_wafv2_web_acl: { Acl: {} }, aws_made_up_thing: { X: {} } },
        { dependencies: ["dev-network"] },
      ),
    ]);
    expect(edge).toContain('dev_edge["<b>dev-edge</b><br/>1 load balancer<br/>1 CloudFront distribution<br/>1 WAF web ACL<br/>1 other resources"]');
    expect(edge).toContain("  dev_network --> dev_edge");
  });

  it("refuses a README without the diagram markers instead of appending somewhere", () => {
    expect(() => withReadmeDiagram("# Title\n", diagram)).toThrow(
      "README.md lacks the diagram markers <!-- architecture-diagram:begin (npm run diagram) --> ... <!-- architecture-diagram:end -->",
    );
  });
});
