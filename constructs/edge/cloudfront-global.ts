import { Construct, IConstruct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { awsProviderIn, RegionalScope } from "../core/aws-scope";
import { KmsKey } from "../security/kms-key";
import { WebAcl, WebAclSettings } from "./web-acl";

/** CloudFront takes its viewer certificate, web ACL and log delivery from this region only. */
export const CLOUDFRONT_REGION = "us-east-1";

/** The stack's us-east-1 provider (alias `us_east_1`), created on first use. */
export function cloudFrontProvider(scope: IConstruct): AwsProvider {
  return awsProviderIn(scope, CLOUDFRONT_REGION, "us_east_1");
}

export interface CloudFrontGlobalProps {
  /** Prefix of the web ACL's name, `<name>-cdn`. */
  readonly name: string;
  /** The web ACL's rules and limits, from the config (scope CLOUDFRONT, in us-east-1). */
  readonly waf: WebAclSettings;
}

/**
 * The us-east-1 part of a CloudFront edge: the CLOUDFRONT web ACL a distribution names, and a KMS key of that region
 * for the WAF log (a key serves its own region only). What else is built under it lands in us-east-1 too.
 */
export class CloudFrontGlobal extends RegionalScope {
  readonly key: KmsKey;
  readonly webAcl: WebAcl;

  constructor(scope: Construct, id: string, props: CloudFrontGlobalProps) {
    super(scope, id, { provider: cloudFrontProvider(scope), region: CLOUDFRONT_REGION });
    this.key = new KmsKey(this, "Key", { description: `Encrypts the CloudFront WAF logs of ${props.name}` });
    this.webAcl = new WebAcl(this, "Waf", { name: `${props.name}-cdn`, scope: "CLOUDFRONT", ...props.waf, key: this.key });
  }
}
