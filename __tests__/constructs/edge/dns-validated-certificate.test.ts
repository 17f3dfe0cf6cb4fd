import { CloudFrontGlobal } from "../../../constructs/edge/cloudfront-global";
import { DnsValidatedCertificate } from "../../../constructs/edge/dns-validated-certificate";
import { PublicHostedZone } from "../../../constructs/edge/hosted-zone";
import { onlyResource, synthStack } from "../../support/synth";
import { constructStack } from "./support";

describe("DnsValidatedCertificate", () => {
  it("puts the certificate and its validation on the given provider, and the validation records in the zone", () => {
    const stack = constructStack();
    const { provider } = new CloudFrontGlobal(stack, "Global", { name: "shop", waf: { rateLimit: 1000, largeBodies: "block", logRetentionDays: 90 } });
    const zone = new PublicHostedZone(stack, "Zone", { domainName: "example.org", existingZoneId: "Z123456789" });
    const certificate = new DnsValidatedCertificate(stack, "Certificate", { domainName: "www.example.org", zone, provider });
    const synthesized = synthStack(stack);
    expect(onlyResource(synthesized, "aws_acm_certificate")).toMatchObject({
      provider: "aws.us_east_1",
      validation_method: "DNS",
      domain_name: "www.example.org",
    });
    expect(onlyResource(synthesized, "aws_acm_certificate_validation").provider).toBe("aws.us_east_1");
    const record = onlyResource(synthesized, "aws_route53_record");
    expect(record).toMatchObject({ zone_id: "Z123456789", allow_overwrite: true });
    expect(record.provider).toBeUndefined();
    expect(String(record.for_each)).toContain("domain_validation_options");
    expect(certificate.arn).toMatch(/TfToken|\$\{/);
  });
});
