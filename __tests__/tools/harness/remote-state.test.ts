import { ctyType, standInValue, stubState } from "../../../tools/harness/remote-state";

const upstream = { stackName: "prod-cluster", region: "eu-west-1", accountId: "111122223333", partition: "aws" };

describe("offline stand-ins for upstream outputs", () => {
  it("keeps values the upstream plan already knows", () => {
    expect(standInValue("${aws_eks_cluster.Eks.name}", "webapp-prod", upstream)).toBe("webapp-prod");
  });

  it("gives ids, ARNs and endpoints the shape the consumer's provider validates", () => {
    expect(standInValue("${aws_security_group.Nodes.id}", undefined, upstream)).toMatch(/^sg-[0-9a-f]{17}$/);
    expect(standInValue("${aws_iam_role.Node.arn}", undefined, upstream)).toBe("arn:aws:iam::111122223333:role/node");
    expect(standInValue("${aws_kms_key.Key.arn}", undefined, upstream)).toMatch(/^arn:aws:kms:eu-west-1:111122223333:key\/[0-9a-f-]{36}$/);
    expect(standInValue("${aws_eks_cluster.Eks.endpoint}", undefined, upstream)).toMatch(/^https:\/\/[0-9A-F]{32}\.gr7\.eu-west-1\.eks\.amazonaws\.com$/);
    expect(Buffer.from(standInValue("${aws_eks_cluster.Eks.certificate_authority[0].data}", undefined, upstream) as string, "base64").toString()).toContain(
      "BEGIN CERTIFICATE",
    );
  });

  it("keeps the OIDC issuer and provider ARN of one cluster consistent with each other", () => {
    const issuer = standInValue("${aws_eks_cluster.Eks.identity[0].oidc[0].issuer}", undefined, upstream) as string;
    const providerArn = standInValue("${aws_iam_openid_connect_provider.Oidc.arn}", undefined, upstream) as string;
    expect(providerArn).toBe(`arn:aws:iam::111122223333:oidc-provider/${issuer.replace("https://", "")}`);
  });

  it("maps lists element by element and refuses expressions it cannot stand in for", () => {
    const subnets = standInValue(["${aws_subnet.A.id}", "${aws_subnet.B.id}"], undefined, upstream) as string[];
    expect(subnets).toHaveLength(2);
    expect(subnets[0]).not.toBe(subnets[1]);
    expect(() => standInValue('${join(",", aws_subnet.A.*.id)}', undefined, upstream)).toThrow("cannot make an offline stand-in");
  });

  it("writes a state file whose outputs carry Terraform's type encoding", () => {
    expect(ctyType(["a", 1, true])).toEqual(["tuple", ["string", "number", "bool"]]);
    expect(ctyType({ a: "x" })).toEqual(["object", { a: "string" }]);
    const state = JSON.parse(stubState({ vpc: "vpc-1", subnets: ["subnet-1"] }));
    expect(state).toMatchObject({
      version: 4,
      outputs: { vpc: { value: "vpc-1", type: "string" }, subnets: { value: ["subnet-1"], type: ["tuple", ["string"]] } },
    });
  });
});
