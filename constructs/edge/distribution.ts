import { Construct } from "constructs";
import { CloudfrontCachePolicy } from "@cdktf/provider-aws/lib/cloudfront-cache-policy";
import { CloudfrontDistribution, CloudfrontDistributionOrigin } from "@cdktf/provider-aws/lib/cloudfront-distribution";
import { CloudfrontVpcOrigin } from "@cdktf/provider-aws/lib/cloudfront-vpc-origin";
import { CloudwatchLogDelivery } from "@cdktf/provider-aws/lib/cloudwatch-log-delivery";
import { CloudwatchLogDeliveryDestination } from "@cdktf/provider-aws/lib/cloudwatch-log-delivery-destination";
import { CloudwatchLogDeliverySource } from "@cdktf/provider-aws/lib/cloudwatch-log-delivery-source";
import { AwsScope, formatArn, RegionalScope } from "../core/aws-scope";
import { KmsKey } from "../security/kms-key";
import { SecureBucket } from "../storage/secure-bucket";
import { CLOUDFRONT_REGION, cloudFrontProvider } from "./cloudfront-global";
import { DnsValidatedCertificate } from "./dns-validated-certificate";
import { AliasTarget } from "./hosted-zone";
import { ApplicationLoadBalancer } from "./load-balancer";
import { WebAcl } from "./web-acl";

/** AWS managed CloudFront policies; their ids are the same in every account. */
export const MANAGED_POLICY_IDS = {
  cachingDisabled: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
  allViewerExceptHostHeader: "b689b0a8-53d0-40ab-baf2-68738e2966ac",
  securityHeaders: "67f7725c-6f97-4210-82d7-5512b31e9d03",
} as const;

const ORIGIN_ID = "alb";

/** Where the distribution's standard logs (v2) go: a bucket of its own, `<name>-cdn-logs-<account>`. */
export interface CdnLogsProps {
  /** Encrypts the log bucket; granted to CloudWatch Logs delivery for this account's delivery sources. */
  readonly key: KmsKey;
  /** Receives the log bucket's S3 server access logs (an SSE-S3 bucket, such as the ALB's access log bucket). */
  readonly accessLogs: SecureBucket;
  /** Days the log bucket keeps the distribution's access logs. */
  readonly retentionDays: number;
}

export interface CdnDistributionProps {
  /** Prefix of the distribution's named parts (cache policy, VPC origin, log delivery, log bucket). */
  readonly name: string;
  /** Host names the distribution answers (its certificate must cover them). */
  readonly aliases: string[];
  /** ACM certificate in us-east-1. */
  readonly certificate: DnsValidatedCertificate;
  /** WAFv2 web ACL of scope CLOUDFRONT. */
  readonly webAcl: WebAcl;
  /** The ALB behind the distribution: an internal one is reached through a CloudFront VPC origin, an internet-facing one directly. */
  readonly origin: ApplicationLoadBalancer;
  /** The name CloudFront connects to and validates the ALB's certificate against. */
  readonly originDomainName: string;
  /** Path patterns served from cache; all others reach the application uncached, with cookies and query strings. */
  readonly staticPathPatterns: readonly string[];
  /** Where the distribution's access logs go (CloudWatch Logs delivery to an encrypted bucket). */
  readonly logs: CdnLogsProps;
  /** CloudFront price class: which edge locations serve. @default "PriceClass_100" (North America and Europe, the cheapest) */
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
  /** The standard log bucket (v2 log delivery writes under `cloudfront/`). */
  readonly logBucket: SecureBucket;

  constructor(scope: Construct, id: string, props: CdnDistributionProps) {
    super(scope, id);
    if (props.webAcl.scope !== "CLOUDFRONT") {
      throw new Error(`${this.node.path}: web ACL ${props.webAcl.node.path} has scope ${props.webAcl.scope}; CloudFront takes a CLOUDFRONT one`);
    }
    let origin: CloudfrontDistributionOrigin;
    if (props.origin.internal) {
      this.vpcOrigin = new CloudfrontVpcOrigin(this, "VpcOrigin", {
        vpcOriginEndpointConfig: [
          {
            name: `${props.name}-alb`,
            arn: props.origin.loadBalancer.arn,
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
      webAclId: props.webAcl.arn,
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
      viewerCertificate: { acmCertificateArn: props.certificate.arn, sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" },
    });
    this.logBucket = this.deliverLogs(props.name, props.logs);
  }

  /** Where the application host's alias records point. */
  get aliasTarget(): AliasTarget {
    return { dnsName: this.distribution.domainName, zoneId: this.distribution.hostedZoneId, evaluateTargetHealth: false };
  }

  /** Standard logging v2 (CloudWatch Logs delivery), which writes to buckets with ACLs disabled, unlike the legacy one. */
  private deliverLogs(name: string, logs: CdnLogsProps): SecureBucket {
    const bucketName = `${name}-cdn-logs-${AwsScope.of(this).accountId}`;
    // The id names the log bucket's statement in the access log bucket's policy (S3ServerAccessLogsCdnLogs).
    const bucket = new SecureBucket(this, "CdnLogs", {
      bucketName,
      key: logs.key,
      accessLogs: { bucket: logs.accessLogs, prefix: `s3/${bucketName}/` },
      expireObjectsAfterDays: logs.retentionDays,
      noncurrentVersionRetentionDays: 7,
    });
    const global = new RegionalScope(this, "Logs", { provider: cloudFrontProvider(this), region: CLOUDFRONT_REGION });
    const source = new CloudwatchLogDeliverySource(global, "Source", {
      name: `${name}-cdn`,
      logType: "ACCESS_LOGS",
      resourceArn: this.distribution.arn,
    });
    const destination = new CloudwatchLogDeliveryDestination(global, "Destination", {
      name: `${name}-cdn-s3`,
      outputFormat: "json",
      deliveryDestinationConfiguration: [{ destinationResourceArn: `${bucket.arn}/cloudfront` }],
    });
    new CloudwatchLogDelivery(global, "Delivery", {
      deliverySourceName: source.name,
      deliveryDestinationArn: destination.arn,
      s3DeliveryConfiguration: [{ suffixPath: "{DistributionId}/{yyyy}/{MM}/{dd}/{HH}", enableHiveCompatiblePath: false }],
    });
    const fromThisAccountsDeliveries = {
      StringEquals: { "aws:SourceAccount": AwsScope.of(global).accountId },
      ArnLike: { "aws:SourceArn": formatArn(global, { service: "logs", resource: "delivery-source:*" }) },
    };
    bucket.addToPolicy({
      Sid: "CloudFrontLogDelivery",
      Effect: "Allow",
      Principal: { Service: "delivery.logs.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${bucket.arn}/cloudfront/*`,
      Condition: { ...fromThisAccountsDeliveries, StringEquals: { ...fromThisAccountsDeliveries.StringEquals, "s3:x-amz-acl": "bucket-owner-full-control" } },
    });
    logs.key.grantService("delivery.logs.amazonaws.com", "CloudFrontLogDelivery", ["kms:GenerateDataKey*", "kms:Decrypt"], fromThisAccountsDeliveries);
    return bucket;
  }
}
