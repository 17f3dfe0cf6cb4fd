import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { EnvironmentConfig } from "../config";
import { ClusterRef } from "../constructs/cluster/cluster-ref";
import { AuroraPostgres } from "../constructs/database/aurora-postgres";
import { ApplicationDatabaseAccess } from "../constructs/edge/application-database-access";
import { aliasRecords } from "../constructs/edge/alias-record";
import { CdnDistribution } from "../constructs/edge/distribution";
import { DnsValidatedCertificate } from "../constructs/edge/dns-validated-certificate";
import { EcrRepositories } from "../constructs/edge/ecr-repositories";
import { PublicHostedZone } from "../constructs/edge/hosted-zone";
import { ApplicationLoadBalancer } from "../constructs/edge/load-balancer";
import { RegionalScope } from "../constructs/core/aws-scope";
import { WebAcl } from "../constructs/edge/web-acl";
import { Network } from "../constructs/network/network";
import { secretRecoveryWindowDays } from "../constructs/security/secret-lifecycle";
import { KmsKey } from "../constructs/security/kms-key";
import { SecureBucket } from "../constructs/storage/secure-bucket";
import { defaultTags, EnvironmentStack, stackName } from "./environment-stack";

export interface EdgeStackProps {
  readonly network: Network;
  /** The pods' security group admits the ALB; its OIDC provider trusts the application's service account. */
  readonly cluster: ClusterRef;
  /** The application's IRSA role gets `rds-db:connect` on it. @default no database access (an edge without a data layer) */
  readonly database?: AuroraPostgres;
}

type EdgeConfig = NonNullable<EnvironmentConfig["edge"]>;

/** The application's namespace and service account, as `gitops/base` declares them. */
export const APPLICATION_NAMESPACE = "web";
export const APPLICATION_SERVICE_ACCOUNT = "web";

import { applicationHost } from "../config/environment";
export { applicationHost };

/** The name of the application's ALB and target group. */
export function loadBalancerName(environment: EnvironmentConfig): string {
  return `${environment.prefix}-web`;
}

export function edgeConfigOf(environment: EnvironmentConfig): EdgeConfig {
  if (!environment.edge) {
    throw new Error(`${environment.file}: edge: is required for the ${environment.name}-edge and ${environment.name}-delivery stacks`);
  }
  return environment.edge;
}

/**
 * `<env>-edge`, AWS only: Route53 → CloudFront (WAF) → the Terraform-owned ALB → the pods' target group, plus the
 * application's ECR repositories. The Kubernetes half of the layer (Argo CD bootstrap) is `<env>-delivery`, so this
 * stack plans offline with the AWS provider alone (docs/edge.md).
 */
export class EdgeStack extends EnvironmentStack {
  /** us-east-1, for what CloudFront needs there: its certificate, WAF, log delivery and their key. */
  readonly globalProvider: AwsProvider;
  readonly applicationHost: string;
  readonly zone: PublicHostedZone;
  readonly repositories: EcrRepositories;
  readonly loadBalancer: ApplicationLoadBalancer;
  readonly webAcl: WebAcl;
  readonly distribution: CdnDistribution;
  readonly databaseAccess?: ApplicationDatabaseAccess;

  constructor(scope: Construct, environment: EnvironmentConfig, props: EdgeStackProps) {
    super(scope, environment, "edge");
    const edge = edgeConfigOf(environment);
    const { prefix } = environment;
    const { account } = this;
    this.globalProvider = new AwsProvider(this, "aws_us_east_1", {
      alias: "us_east_1",
      region: "us-east-1",
      allowedAccountIds: [environment.account.id],
      defaultTags: [{ tags: defaultTags(environment.name, stackName(environment, "edge"), environment.project, environment.tags) }],
    });
    this.applicationHost = applicationHost(edge);
    const originHost = `origin.${this.applicationHost}`;
    const key = new KmsKey(this, "Key", { description: `Encrypts the images and edge logs of ${prefix}` });

    this.repositories = new EcrRepositories(this, "Ecr", {
      account,
      namePrefix: prefix,
      names: edge.ecrRepositories,
      keepImages: edge.keepImages,
      forceDelete: !environment.isProduction,
      key,
    });

    this.zone = new PublicHostedZone(this, "Zone", { domainName: edge.domainName, existingZoneId: edge.hostedZoneId });
    const originCertificate = new DnsValidatedCertificate(this, "OriginCertificate", { domainName: originHost, zone: this.zone });
    const viewerCertificate = new DnsValidatedCertificate(this, "ViewerCertificate", {
      domainName: this.applicationHost,
      zone: this.zone,
      provider: this.globalProvider,
    });

    const { loadBalancer: lbConfig } = edge;
    const internal = lbConfig.scheme === "internal";
    this.loadBalancer = new ApplicationLoadBalancer(this, "Alb", {
      account,
      name: loadBalancerName(environment),
      vpcId: props.network.vpc.id,
      subnets: internal ? props.network.privateSubnets : props.network.publicSubnets,
      // The config validation requires the prefix list whenever there is an edge.
      clients: { kind: internal ? "cloudfront-vpc-origin" : "cloudfront-prefix-list", prefixListId: lbConfig.cloudFrontPrefixListId! },
      targetSecurityGroupId: props.cluster.nodeSecurityGroupId,
      certificateArn: originCertificate.arn,
      accessLogBucketName: `${prefix}-alb-logs-${environment.account.id}`,
      accessLogRetentionDays: edge.logRetentionDays,
      targetPort: lbConfig.appPort,
      healthCheckPath: lbConfig.healthCheckPath,
      stickinessSeconds: lbConfig.stickinessSeconds,
      deletionProtection: environment.isProduction,
    });
    if (lbConfig.regionalWaf) {
      const regionalAcl = new WebAcl(this, "RegionalWaf", {
        account,
        name: `${prefix}-alb`,
        scope: "REGIONAL",
        rateLimit: edge.waf.rateLimit,
        largeBodies: edge.waf.largeBodies,
        logRetentionDays: edge.waf.logRetentionDays,
        key,
      });
      regionalAcl.protect("LoadBalancer", this.loadBalancer.loadBalancer.arn);
    }

    const global = new RegionalScope(this, "Global", { provider: this.globalProvider, region: "us-east-1" });
    const globalAccount = { ...account, region: "us-east-1" };
    this.webAcl = new WebAcl(global, "Waf", {
      account: globalAccount,
      name: `${prefix}-cdn`,
      scope: "CLOUDFRONT",
      rateLimit: edge.waf.rateLimit,
      largeBodies: edge.waf.largeBodies,
      logRetentionDays: edge.waf.logRetentionDays,
      key: new KmsKey(global, "Key", { description: `Encrypts the CloudFront WAF logs of ${prefix}` }),
    });

    // ELB writes access logs only to SSE-S3 buckets, so the ALB's log bucket is also where the CDN log bucket's
    // S3 server access logs go; CloudFront's logs themselves are SSE-KMS.
    const cdnLogs = new SecureBucket(this, "CdnLogs", {
      bucketName: `${prefix}-cdn-logs-${environment.account.id}`,
      key,
      accessLogs: { bucket: this.loadBalancer.accessLogs, prefix: `s3/${prefix}-cdn-logs-${environment.account.id}/` },
      expireObjectsAfterDays: edge.logRetentionDays,
      noncurrentVersionRetentionDays: 7,
    });
    this.distribution = new CdnDistribution(this, "Cdn", {
      account,
      name: prefix,
      aliases: [this.applicationHost],
      certificateArn: viewerCertificate.arn,
      webAclArn: this.webAcl.arn,
      originDomainName: originHost,
      vpcOriginLoadBalancerArn: internal ? this.loadBalancer.loadBalancer.arn : undefined,
      staticPathPatterns: edge.staticPathPatterns,
      logBucket: cdnLogs,
      logKey: key,
      globalProvider: this.globalProvider,
      priceClass: environment.isProduction ? "PriceClass_All" : "PriceClass_100",
    });

    if (props.database) {
      this.databaseAccess = new ApplicationDatabaseAccess(this, "WebDatabaseAccess", {
        oidcProvider: props.cluster.oidcProvider,
        database: props.database,
        prefix,
        namespace: APPLICATION_NAMESPACE,
        serviceAccount: APPLICATION_SERVICE_ACCOUNT,
        key,
        region: account.region,
        recoveryWindowDays: secretRecoveryWindowDays(environment.isProduction),
      });
    }

    const cdn = this.distribution.distribution;
    aliasRecords(this, "AppRecord", this.zone, this.applicationHost, ["A", "AAAA"], { dnsName: cdn.domainName, zoneId: cdn.hostedZoneId });
    const alb = this.loadBalancer.loadBalancer;
    aliasRecords(this, "OriginRecord", this.zone, originHost, ["A"], { dnsName: alb.dnsName, zoneId: alb.zoneId, evaluateTargetHealth: true });

    new TerraformOutput(this, "application_url", { value: `https://${this.applicationHost}`, description: "Where users reach the application" });
    new TerraformOutput(this, "target_group_arn", {
      value: this.loadBalancer.targetGroup.arn,
      description: "Target group the TargetGroupBinding of gitops/ registers pods in (handed over by <env>-delivery)",
    });
    new TerraformOutput(this, "distribution_id", { value: cdn.id, description: "CloudFront distribution id (cache invalidations)" });
    new TerraformOutput(this, "ecr_repository_urls", {
      value: Object.fromEntries(Object.entries(this.repositories.repositories).map(([name, repository]) => [name, repository.repositoryUrl])),
      description: "Image repositories by name, for the release workflow",
    });
    if (this.zone.nameServers) {
      new TerraformOutput(this, "name_servers", { value: this.zone.nameServers, description: `Delegate ${edge.domainName} to these` });
    }
  }
}
