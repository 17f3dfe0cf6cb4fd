import { Construct } from "constructs";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { PublicHostedZone } from "./hosted-zone";

export interface AliasTarget {
  readonly dnsName: string;
  readonly zoneId: string;
  /** @default false */
  readonly evaluateTargetHealth?: boolean;
}

/** Route53 alias records of one name, one per record type (A, and AAAA for IPv6 targets). */
export function aliasRecords(
  scope: Construct,
  id: string,
  zone: PublicHostedZone,
  name: string,
  types: readonly ("A" | "AAAA")[],
  target: AliasTarget,
): Route53Record[] {
  return types.map(
    (type) =>
      new Route53Record(scope, `${id}-${type}`, {
        zoneId: zone.zoneId,
        name,
        type,
        alias: { name: target.dnsName, zoneId: target.zoneId, evaluateTargetHealth: target.evaluateTargetHealth ?? false },
      }),
  );
}
