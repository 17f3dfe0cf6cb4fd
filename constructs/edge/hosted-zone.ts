import { Construct } from "constructs";
import { Route53Zone } from "@cdktf/provider-aws/lib/route53-zone";

export interface PublicHostedZoneProps {
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
}
