import { Construct } from "constructs";
import { TerraformProvider } from "cdktf";
import { CloudfrontCachePolicy } from "@cdktf/provider-aws/lib/cloudfront-cache-policy";
import { CloudfrontDistribution, CloudfrontDistributionOrigin } from "@cdktf/provider-aws/lib/cloudfront-distribution";
import { CloudfrontVpcOrigin } from "@cdktf/provider-aws/lib/cloudfront-vpc-origin";
import { CloudwatchLogDelivery } from "@cdktf/provider-aws/lib/cloudwatch-log-delivery";
import { CloudwatchLogDeliveryDestination } from "@cdktf/provider-aws/lib/cloudwatch-log-delivery-destination";
import { CloudwatchLogDeliverySource } from "@cdktf/provider-aws/lib/cloudwatch-log-delivery-source";
import { AccountContext } from "../iam/policy-document";
import { KmsKey } from "../security/kms-key";
import { SecureBucket } from "../storage/secure-bucket";
import { useProvider } from "./provider-scope";

/** AWS managed CloudFront policies; their ids are the same in every account. */
export const MANAGED_POLICY_IDS = {
  cachingDisabled: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
  allViewerExceptHostHeader: "b689b0a8-53d0-40ab-baf2-68738e2966ac",
  securityHeaders: "67f7725c-6f97-4210-82d7-5512b31e9d03",
} as const;

const ORIGIN_ID = "alb";

export interface CdnDistributionProps {
  readonly account: AccountContext;
  /** Prefix of the distribution's named parts (cache policy, VPC origin, log delivery). */
  readonly name: string;
  /** Host names the distribution answers (its certificate must cover them). */
  readonly aliases: string[];
  /** ACM certificate in us-east-1. */
  readonly certificateArn: string;
  /** WAFv2 web ACL of scope CLOUDFRONT. */
  readonly webAclArn: string;
  /** The name CloudFront connects to and validates the ALB's certificate against. */
  readonly originDomainName: string;
  /** The internal ALB, reached through a CloudFront VPC origin. @default none: the origin is public (internet-facing ALB) */
  readonly vpcOriginLoadBalancerArn?: string;
  /** Path patterns served from cache; all others reach the application uncached, with cookies and query strings. */
  readonly staticPathPatterns: readonly string[];
  /** Where standard logs (v2) go; the bucket policy is extended for CloudWatch Logs delivery. */
  readonly logBucket: SecureBucket;
  /** The log bucket's CMK, granted to CloudWatch Logs delivery for this account's delivery sources. @default none (an SSE-S3 bucket) */
  readonly logKey?: KmsKey;
  /** The us-east-1 provider: CloudFront's log delivery source and destination live there. */
  readonly globalProvider: TerraformProvider;
  /** @default "PriceClass_100" */
  readonly priceClass?: string;
}

/**
 * The CloudFront distribution in front of the ALB: HTTPS only with TLSv1.2_2021, HTTP/2 and HTTP/3, IPv6, WAF,
 * standard logs to S3, static paths cached, everything else uncached with every cookie forwarded (so the ALB's
 * stickiness cookie keeps a session on one pod).
 */
export class CdnDistribution extends Construct {
  readonly distribution: CloudfrontDistribution;
  readonly vpcOrigin?: CloudfrontVpcOrigin;

  constructor(scope: Construct, id: string, props: CdnDistributionProps) {
    super(scope, id);
    let origin: CloudfrontDistributionOrigin;
    if (props.vpcOriginLoadBalancerArn) {
      this.vpcOrigin = new CloudfrontVpcOrigin(this, "VpcOrigin", {
        vpcOriginEndpointConfig: [
          {
            name: `${props.name}-alb`,
            arn: props.vpcOriginLoadBalancerArn,
            httpPort: 80,
            httpsPort: 443,
            originProtocolPolicy: "https-only",
            originSslProtocols: [{ items: ["TLSv1.2"], quantity: 1 }],
          },
        ],
      });
      origin = { originId: ORIGIN_ID, domainName: props.originDomainName, vpcOriginConfig: { vpcOriginId: this.vpcOrigin.id } };
    } else {
      origin = {
        originId: ORIGIN_ID,
        domainName: props.originDomainName,
        customOriginConfig: { httpPort: 80, httpsPort: 443, originProtocolPolicy: "https-only", originSslProtocols: ["TLSv1.2"] },
      };
    }
    const staticCache = new CloudfrontCachePolicy(this, "StaticCachePolicy", {
      name: `${props.name}-static`,
      comment: "Static assets: cached a day by default, no cookies, headers or query strings in the key",
      minTtl: 0,
      defaultTtl: 86400,
      maxTtl: 31536000,
      parametersInCacheKeyAndForwardedToOrigin: {
        enableAcceptEncodingGzip: true,
        enableAcceptEncodingBrotli: true,
        cookiesConfig: { cookieBehavior: "none" },
        headersConfig: { headerBehavior: "none" },
        queryStringsConfig: { queryStringBehavior: "none" },
      },
    });
    this.distribution = new CloudfrontDistribution(this, "Distribution", {
      enabled: true,
      comment: `${props.name}: ${props.aliases.join(", ")}`,
      aliases: props.aliases,
      httpVersion: "http2and3",
      isIpv6Enabled: true,
      priceClass: props.priceClass ?? "PriceClass_100",
      webAclId: props.webAclArn,
      origin: [origin],
      defaultCacheBehavior: {
        targetOriginId: ORIGIN_ID,
        viewerProtocolPolicy: "redirect-to-https",
        allowedMethods: ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
        cachedMethods: ["GET", "HEAD"],
        compress: true,
        cachePolicyId: MANAGED_POLICY_IDS.cachingDisabled,
        originRequestPolicyId: MANAGED_POLICY_IDS.allViewerExceptHostHeader,
        responseHeadersPolicyId: MANAGED_POLICY_IDS.securityHeaders,
      },
      orderedCacheBehavior: props.staticPathPatterns.map((pathPattern) => ({
        pathPattern,
        targetOriginId: ORIGIN_ID,
        viewerProtocolPolicy: "redirect-to-https",
        allowedMethods: ["GET", "HEAD", "OPTIONS"],
        cachedMethods: ["GET", "HEAD"],
        compress: true,
        cachePolicyId: staticCache.id,
        responseHeadersPolicyId: MANAGED_POLICY_IDS.securityHeaders,
      })),
      restrictions: { geoRestriction: { restrictionType: "none" } },
      viewerCertificate: { acmCertificateArn: props.certificateArn, sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" },
    });
    this.deliverLogs(props);
  }

  /** Standard logging v2 (CloudWatch Logs delivery), which writes to buckets with ACLs disabled, unlike the legacy one. */
  private deliverLogs(props: CdnDistributionProps): void {
    const global = new Construct(this, "Logs");
    const source = new CloudwatchLogDeliverySource(global, "Source", {
      name: `${props.name}-cdn`,
      logType: "ACCESS_LOGS",
      resourceArn: this.distribution.arn,
    });
    const destination = new CloudwatchLogDeliveryDestination(global, "Destination", {
      name: `${props.name}-cdn-s3`,
      outputFormat: "json",
      deliveryDestinationConfiguration: [{ destinationResourceArn: `${props.logBucket.arn}/cloudfront` }],
    });
    new CloudwatchLogDelivery(global, "Delivery", {
      deliverySourceName: source.name,
      deliveryDestinationArn: destination.arn,
      s3DeliveryConfiguration: [{ suffixPath: "{DistributionId}/{yyyy}/{MM}/{dd}/{HH}", enableHiveCompatiblePath: false }],
    });
    useProvider(global, props.globalProvider);
    const fromThisAccountsDeliveries = {
      StringEquals: { "aws:SourceAccount": props.account.accountId },
      ArnLike: { "aws:SourceArn": `arn:${props.account.partition}:logs:us-east-1:${props.account.accountId}:delivery-source:*` },
    };
    props.logBucket.addToPolicy({
      Sid: "CloudFrontLogDelivery",
      Effect: "Allow",
      Principal: { Service: "delivery.logs.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${props.logBucket.arn}/cloudfront/*`,
      Condition: { ...fromThisAccountsDeliveries, StringEquals: { ...fromThisAccountsDeliveries.StringEquals, "s3:x-amz-acl": "bucket-owner-full-control" } },
    });
    props.logKey?.grantToService("CloudFrontLogDelivery", "delivery.logs.amazonaws.com", ["kms:GenerateDataKey*", "kms:Decrypt"], fromThisAccountsDeliveries);
  }
}
