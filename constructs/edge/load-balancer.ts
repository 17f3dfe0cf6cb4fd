import { Construct } from "constructs";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Wafv2WebAclAssociation } from "@cdktf/provider-aws/lib/wafv2-web-acl-association";
import { AwsScope, formatArn } from "../core/aws-scope";
import { Network } from "../network/network";
import { AccessLogBucket } from "../storage/access-log-bucket";
import { SecureBucket } from "../storage/secure-bucket";
import { DnsValidatedCertificate } from "./dns-validated-certificate";
import { AliasTarget } from "./hosted-zone";
import { WebAcl } from "./web-acl";
import { SecurityGroupRef } from "../cluster/cluster-ref";

/**
 * Accounts through which Elastic Load Balancing writes access logs in Regions opened before August 2022; newer
 * Regions use the `logdelivery.elasticloadbalancing.amazonaws.com` principal, which the bucket policy always allows.
 */
const LEGACY_ELB_LOG_ACCOUNTS: Record<string, string> = {
  "us-east-1": "127311923021",
  "us-east-2": "033677994240",
  "us-west-1": "027434742980",
  "us-west-2": "797873946194",
  "af-south-1": "098369216593",
  "ap-east-1": "754344448648",
  "ap-south-1": "718504428378",
  "ap-northeast-1": "582318560864",
  "ap-northeast-2": "600734575887",
  "ap-northeast-3": "383597477331",
  "ap-southeast-1": "114774131450",
  "ap-southeast-2": "783225319266",
  "ca-central-1": "985666609251",
  "eu-central-1": "054676820928",
  "eu-west-1": "156460612806",
  "eu-west-2": "652711504416",
  "eu-west-3": "009996457667",
  "eu-south-1": "635631232127",
  "eu-north-1": "897822967062",
  "me-south-1": "076674570225",
  "sa-east-1": "507241528517",
};

/**
 * Who may reach the load balancer's HTTPS listener: in both cases only CloudFront's origin-facing managed prefix list
 * (`com.amazonaws.global.cloudfront.origin-facing`), whose id is fixed per Region. Traffic of a CloudFront VPC origin
 * arrives from those addresses, not from the VPC's, so pods and nodes (VPC addresses) cannot reach the ALB around
 * CloudFront and its WAF; and a VPC origin is usable only by distributions of its own account.
 */
export type LoadBalancerClients =
  /** An internal ALB, reached by CloudFront through a VPC origin and by nothing else. */
  | { readonly kind: "cloudfront-vpc-origin"; readonly prefixListId: string }
  /** An internet-facing ALB that admits only CloudFront's origin-facing managed prefix list. */
  | { readonly kind: "cloudfront-prefix-list"; readonly prefixListId: string };

export interface ApplicationLoadBalancerProps {
  /** Name of the ALB and its target group (≤ 32 characters). */
  readonly name: string;
  /** The VPC: an internal ALB goes in its private subnets, an internet-facing one in its public subnets, one per AZ. */
  readonly network: Network;
  /** Who may reach the HTTPS listener, and so whether the ALB is internal or internet-facing. */
  readonly clients: LoadBalancerClients;
  /** The security group of the pods' nodes: the ALB sends to the pods' IPs (target type ip) through it. */
  readonly targets: SecurityGroupRef;
  /** Regional ACM certificate of the HTTPS listener. */
  readonly certificate: DnsValidatedCertificate;
  /** Bucket name for access logs. */
  readonly accessLogBucketName: string;
  /** Days the access log bucket keeps the ALB's access logs. */
  readonly accessLogRetentionDays: number;
  /** Pods' container port. */
  readonly targetPort: number;
  /** HTTP path of the target group's health check on the pods. */
  readonly healthCheckPath: string;
  /** Lifetime of the AWSALB stickiness cookie, which keeps a user's session on one pod. */
  readonly stickinessSeconds: number;
  /** Refuse deletion through the API (production). */
  readonly deletionProtection: boolean;
}

/**
 * An Application Load Balancer owned by Terraform: HTTPS only with a TLS 1.2+ policy (viewers' HTTP is CloudFront's to
 * redirect; nothing reaches port 80 here), invalid
 * headers dropped, access logs in an encrypted bucket, and an IP target group with cookie stickiness that the pods
 * join through the Load Balancer Controller's TargetGroupBinding (so Kubernetes never creates a load balancer).
 */
export class ApplicationLoadBalancer extends Construct {
  readonly loadBalancer: Lb;
  readonly targetGroup: LbTargetGroup;
  readonly securityGroup: SecurityGroup;
  readonly accessLogs: SecureBucket;
  readonly httpsListener: LbListener;
  /** Whether the ALB has no public address (CloudFront reaches it through a VPC origin). */
  readonly internal: boolean;

  constructor(scope: Construct, id: string, props: ApplicationLoadBalancerProps) {
    super(scope, id);
    if (props.name.length > 32) {
      throw new Error(`load balancer name "${props.name}" is longer than the 32 characters ELB allows`);
    }
    const { targetPort, network } = props;
    const internal = props.clients.kind === "cloudfront-vpc-origin";
    this.internal = internal;
    this.accessLogs = new AccessLogBucket(this, "AccessLogs", {
      deliveredBy: "Elastic Load Balancing access logging",
      bucketName: props.accessLogBucketName,
      expireObjectsAfterDays: props.accessLogRetentionDays,
      noncurrentVersionRetentionDays: 7,
    });
    this.allowLogDelivery();

    this.securityGroup = new SecurityGroup(this, "SecurityGroup", {
      // A prefix: create_before_destroy needs the replacement to exist next to the old group under another name.
      namePrefix: `${props.name}-alb-`,
      description: `ALB ${props.name}: HTTPS from CloudFront${internal ? " (VPC origin)" : ""} only, to the pods`,
      vpcId: network.vpc.id,
      lifecycle: { createBeforeDestroy: true },
    });
    // One rule: a rule naming the prefix list counts as its 55 entries against the 60-rule quota of a security group,
    // and CloudFront talks to this origin over HTTPS only (the VPC origin's protocol policy), so port 80 stays closed.
    new VpcSecurityGroupIngressRule(this, "Ingress443", {
      securityGroupId: this.securityGroup.id,
      description: "HTTPS from CloudFront's origin-facing addresses only",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      prefixListId: props.clients.prefixListId,
    });
    new VpcSecurityGroupEgressRule(this, "EgressToPods", {
      securityGroupId: this.securityGroup.id,
      description: "To the application pods (IP targets) and their health checks",
      ipProtocol: "tcp",
      fromPort: targetPort,
      toPort: targetPort,
      referencedSecurityGroupId: props.targets.id,
    });
    new VpcSecurityGroupIngressRule(this, "PodsFromAlb", {
      securityGroupId: props.targets.id,
      description: `From ALB ${props.name} to the application pods`,
      ipProtocol: "tcp",
      fromPort: targetPort,
      toPort: targetPort,
      referencedSecurityGroupId: this.securityGroup.id,
    });

    this.loadBalancer = new Lb(this, "LoadBalancer", {
      name: props.name,
      loadBalancerType: "application",
      internal,
      subnets: (internal ? network.privateSubnets : network.publicSubnets).map(({ subnet }) => subnet.id),
      securityGroups: [this.securityGroup.id],
      dropInvalidHeaderFields: true,
      desyncMitigationMode: "strictest",
      enableDeletionProtection: props.deletionProtection,
      enableHttp2: true,
      idleTimeout: 60,
      accessLogs: { bucket: this.accessLogs.name, prefix: "alb", enabled: true },
      dependsOn: [this.accessLogs.bucket],
    });
    this.targetGroup = new LbTargetGroup(this, "TargetGroup", {
      name: props.name,
      vpcId: network.vpc.id,
      targetType: "ip",
      protocol: "HTTP",
      protocolVersion: "HTTP1",
      port: targetPort,
      // Blue-green switches colours by service selector; 30 s lets in-flight requests of the old colour finish.
      deregistrationDelay: "30",
      healthCheck: {
        path: props.healthCheckPath,
        protocol: "HTTP",
        port: "traffic-port",
        matcher: "200-399",
        interval: 15,
        timeout: 5,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      },
      stickiness: { type: "lb_cookie", enabled: true, cookieDuration: props.stickinessSeconds },
    });
    this.httpsListener = new LbListener(this, "Https", {
      loadBalancerArn: this.loadBalancer.arn,
      port: 443,
      protocol: "HTTPS",
      sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      certificateArn: props.certificate.arn,
      defaultAction: [{ type: "forward", targetGroupArn: this.targetGroup.arn }],
    });
  }

  /** Where the origin host's alias record points, with the health of the ALB's targets evaluated. */
  get aliasTarget(): AliasTarget {
    return { dnsName: this.loadBalancer.dnsName, zoneId: this.loadBalancer.zoneId, evaluateTargetHealth: true };
  }

  /** Puts the ALB behind a regional web ACL (defence in depth beside CloudFront's). */
  protectWith(webAcl: WebAcl): Wafv2WebAclAssociation {
    if (webAcl.scope !== "REGIONAL") {
      throw new Error(`${this.node.path}: web ACL ${webAcl.node.path} has scope ${webAcl.scope}; a load balancer takes a REGIONAL one`);
    }
    return new Wafv2WebAclAssociation(this, "WebAcl", { resourceArn: this.loadBalancer.arn, webAclArn: webAcl.arn });
  }

  private allowLogDelivery(): void {
    const { accountId, region } = AwsScope.of(this);
    const logs = `${this.accessLogs.arn}/alb/AWSLogs/${accountId}/*`;
    this.accessLogs.addToPolicy({
      Sid: "ElbLogDelivery",
      Effect: "Allow",
      Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: logs,
    });
    const legacyAccount = LEGACY_ELB_LOG_ACCOUNTS[region];
    if (legacyAccount) {
      this.accessLogs.addToPolicy({
        Sid: "ElbLogDeliveryLegacyRegion",
        Effect: "Allow",
        Principal: { AWS: formatArn(this, { service: "iam", region: "", account: legacyAccount, resource: "root" }) },
        Action: "s3:PutObject",
        Resource: logs,
      });
    }
  }
}
