import { PublicHostedZone } from "../../../constructs/edge/hosted-zone";
import { onlyResource, resourcesOf, synthStack } from "../../support/synth";
import { constructStack } from "./support";

describe("PublicHostedZone", () => {
  it("creates a zone only when no existing id is given", () => {
    const stack = constructStack();
    const created = new PublicHostedZone(stack, "New", { domainName: "shop.example.org" });
    const existing = new PublicHostedZone(stack, "Existing", { domainName: "example.org", existingZoneId: "Z123456789" });
    expect(existing.zoneId).toBe("Z123456789");
    expect(existing.nameServers).toBeUndefined();
    expect(created.nameServers).toBeDefined();
    expect(onlyResource(synthStack(stack), "aws_route53_zone").name).toBe("shop.example.org");
  });

  it("adds one alias record per type, pointing at the target", () => {
    const stack = constructStack();
    const zone = new PublicHostedZone(stack, "Zone", { domainName: "example.org", existingZoneId: "Z123456789" });
    zone.addAliasRecords("App", "www.example.org", ["A", "AAAA"], { dnsName: "d1.cloudfront.net", zoneId: "Z2FDTNDATAQYW2", evaluateTargetHealth: false });
    const records = Object.values(resourcesOf(synthStack(stack), "aws_route53_record"));
    expect(records.map((record) => [record.zone_id, record.name, record.type, record.alias]).sort()).toEqual([
      ["Z123456789", "www.example.org", "A", { name: "d1.cloudfront.net", zone_id: "Z2FDTNDATAQYW2", evaluate_target_health: false }],
      ["Z123456789", "www.example.org", "AAAA", { name: "d1.cloudfront.net", zone_id: "Z2FDTNDATAQYW2", evaluate_target_health: false }],
    ]);
  });
});
