import { Construct } from "constructs";
import { TerraformIterator, TerraformProvider, Token } from "cdktf";
import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { PublicHostedZone } from "./hosted-zone";

export interface DnsValidatedCertificateProps {
  /** The name the certificate is for. */
  readonly domainName: string;
  /** The zone the validation records go in (a `PublicHostedZone`, or an existing zone by id). */
  readonly zone: Pick<PublicHostedZone, "zoneId">;
  /** The region's provider: CloudFront needs its certificate from us-east-1. @default the stack's default provider */
  readonly provider?: TerraformProvider;
}

/**
 * An ACM certificate validated through DNS records in the zone. `arn` comes from the validation resource, so
 * whatever uses it waits until the certificate is issued.
 */
export class DnsValidatedCertificate extends Construct {
  readonly certificate: AcmCertificate;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: DnsValidatedCertificateProps) {
    super(scope, id);
    this.certificate = new AcmCertificate(this, "Certificate", {
      provider: props.provider,
      domainName: props.domainName,
      validationMethod: "DNS",
      keyAlgorithm: "RSA_2048",
      lifecycle: { createBeforeDestroy: true },
    });
    // Keyed by domain name, which the provider knows at plan time, so the records plan before the certificate exists.
    const options = TerraformIterator.fromComplexList(this.certificate.domainValidationOptions, "domain_name");
    const records = new Route53Record(this, "ValidationRecord", {
      forEach: options,
      zoneId: props.zone.zoneId,
      name: options.getString("resource_record_name"),
      type: options.getString("resource_record_type"),
      records: [options.getString("resource_record_value")],
      ttl: 300,
      allowOverwrite: true,
    });
    const validation = new AcmCertificateValidation(this, "Validation", {
      provider: props.provider,
      certificateArn: this.certificate.arn,
      validationRecordFqdns: Token.asList(TerraformIterator.fromResources(records).pluckProperty("fqdn")),
    });
    this.arn = validation.certificateArn;
  }
}
