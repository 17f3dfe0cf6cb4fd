import { Construct } from "constructs";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { Route53Zone } from "@cdktf/provider-aws/lib/route53-zone";

/** What an alias record points at: a CloudFront distribution's or a load balancer's DNS name and hosted zone. */
export interface AliasTarget {
  readonly dnsName: string;
  readonly zoneId: string;
  /** Answer only while the target is healthy (a load balancer with healthy targets). */
  readonly evaluateTargetHealth: boolean;
}

export interface PublicHostedZoneProps {
  /** The zone's domain name. */
  readonly domainName: string;
  /** An existing public zone of `domainName`. @default none: the zone is created (delegate to its name servers) */
  readonly existingZoneId?: string;
}

/** The public zone the application's records live in: one the account already has, or a new one. */
export class PublicHostedZone extends Construct {
  readonly zoneId: string;
  readonly domainName: string;
  /** Set when the zone is created here: the parent domain must delegate to these. */
  readonly nameServers?: string[];

  constructor(scope: Construct, id: string, props: PublicHostedZoneProps) {
    super(scope, id);
    this.domainName = props.domainName;
    if (props.existingZoneId) {
      this.zoneId = props.existingZoneId;
      return;
    }
    const zone = new Route53Zone(this, "Zone", { name: props.domainName, comment: `Public zone of ${props.domainName}` });
    this.zoneId = zone.zoneId;
    this.nameServers = zone.nameServers;
  }

  /** Alias records of one name, one per record type (A, and AAAA for targets that answer over IPv6). */
  addAliasRecords(id: string, name: string, types: readonly ("A" | "AAAA")[], target: AliasTarget): Route53Record[] {
    return types.map(
      (type) =>
        new Route53Record(this, `${id}-${type}`, {
          zoneId: this.zoneId,
          name,
          type,
          alias: { name: target.dnsName, zoneId: target.zoneId, evaluateTargetHealth: target.evaluateTargetHealth },
        }),
    );
  }
}
