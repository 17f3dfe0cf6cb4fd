import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { EnvironmentConfig } from "../config";
import { applicationHost } from "../config/environment";
import { ClusterRef } from "../constructs/cluster/cluster-ref";
import { AuroraPostgres } from "../constructs/database/aurora-postgres";
import { ApplicationDatabaseAccess } from "../constructs/edge/application-database-access";
import { CloudFrontGlobal } from "../constructs/edge/cloudfront-global";
import { CdnDistribution } from "../constructs/edge/distribution";
import { DnsValidatedCertificate } from "../constructs/edge/dns-validated-certificate";
import { EcrRepositories } from "../constructs/edge/ecr-repositories";
import { PublicHostedZone } from "../constructs/edge/hosted-zone";
import { ApplicationLoadBalancer } from "../constructs/edge/load-balancer";
import { WebAcl } from "../constructs/edge/web-acl";
import { clusterWorkloadIdentity } from "../constructs/iam/workload-identity";
import { Network } from "../constructs/network/network";
import { KmsKey } from "../constructs/security/kms-key";
import { EnvironmentStack } from "./environment-stack";

export interface EdgeStackProps {
  readonly network: Network;
  /** The pods' security group admits the ALB; its OIDC provider trusts the application's service account. */
  readonly cluster: ClusterRef;
  /**
   * The application's IRSA role gets `rds-db:connect` on it and the provisioning Job's role its master secret.
   * @default no database access (an edge without a data layer)
   */
  readonly database?: AuroraPostgres;
}

type EdgeConfig = NonNullable<EnvironmentConfig["edge"]>;

/** The application's namespace and service account, as `gitops/base` declares them. */
export const APPLICATION_NAMESPACE = "web";
export const APPLICATION_SERVICE_ACCOUNT = "web";
/** The service account of the Job that creates the database users before the first migration (gitops/base). */
export const PROVISIONER_SERVICE_ACCOUNT = "web-provision-users";

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
  readonly applicationHost: string;
  readonly zone: PublicHostedZone;
  readonly repositories: EcrRepositories;
  readonly loadBalancer: ApplicationLoadBalancer;
  /** us-east-1, for what CloudFront needs there: its web ACL and the key of its log. */
  readonly global: CloudFrontGlobal;
  readonly distribution: CdnDistribution;
  readonly databaseAccess?: ApplicationDatabaseAccess;

  constructor(scope: Construct, environment: EnvironmentConfig, props: EdgeStackProps) {
    super(scope, environment, "edge");
    const edge = edgeConfigOf(environment);
    const { prefix, isProduction } = environment;
    this.applicationHost = applicationHost(edge);
    const originHost = `origin.${this.applicationHost}`;
    const key = new KmsKey(this, "Key", { description: `Encrypts the images and edge logs of ${prefix}` });

    this.repositories = new EcrRepositories(this, "Ecr", {
      namePrefix: prefix,
      names: edge.ecrRepositories,
      keepImages: edge.keepImages,
      forceDelete: !isProduction,
      key,
    });

    this.zone = new PublicHostedZone(this, "Zone", { domainName: edge.domainName, existingZoneId: edge.hostedZoneId });
    const { loadBalancer: lb } = edge;
    this.loadBalancer = new ApplicationLoadBalancer(this, "Alb", {
      name: loadBalancerName(environment),
      network: props.network,
      // The config validation requires the prefix list whenever there is an edge.
      clients: { kind: lb.scheme === "internal" ? "cloudfront-vpc-origin" : "cloudfront-prefix-list", prefixListId: lb.cloudFrontPrefixListId! },
      targets: props.cluster.nodeSecurityGroup,
      certificate: new DnsValidatedCertificate(this, "OriginCertificate", { domainName: originHost, zone: this.zone }),
      accessLogBucketName: `${prefix}-alb-logs-${environment.account.id}`,
      accessLogRetentionDays: edge.logRetentionDays,
      targetPort: lb.appPort,
      healthCheckPath: lb.healthCheckPath,
      stickinessSeconds: lb.stickinessSeconds,
      deletionProtection: isProduction,
    });
    if (lb.regionalWaf) {
      this.loadBalancer.protectWith(new WebAcl(this, "RegionalWaf", { name: `${prefix}-alb`, scope: "REGIONAL", ...edge.waf, key }));
    }

    this.global = new CloudFrontGlobal(this, "Global", { name: prefix, waf: edge.waf });
    this.distribution = new CdnDistribution(this, "Cdn", {
      name: prefix,
      aliases: [this.applicationHost],
      certificate: new DnsValidatedCertificate(this, "ViewerCertificate", {
        domainName: this.applicationHost,
        zone: this.zone,
        provider: this.global.provider,
      }),
      webAcl: this.global.webAcl,
      origin: this.loadBalancer,
      originDomainName: originHost,
      staticPathPatterns: edge.staticPathPatterns,
      // ELB writes access logs only to SSE-S3 buckets, so the ALB's log bucket also takes the CDN log bucket's S3
      // server access logs; CloudFront's logs themselves are SSE-KMS.
      logs: { key, accessLogs: this.loadBalancer.accessLogs, retentionDays: edge.logRetentionDays },
      priceClass: isProduction ? "PriceClass_All" : "PriceClass_100",
    });
    this.zone.addAliasRecords("AppRecord", this.applicationHost, ["A", "AAAA"], this.distribution.aliasTarget);
    this.zone.addAliasRecords("OriginRecord", originHost, ["A"], this.loadBalancer.aliasTarget);

    if (props.database) {
      this.databaseAccess = new ApplicationDatabaseAccess(this, "WebDatabaseAccess", {
        identity: clusterWorkloadIdentity(this, props.cluster, environment.cluster),
        database: props.database,
        prefix,
        namespace: APPLICATION_NAMESPACE,
        serviceAccount: APPLICATION_SERVICE_ACCOUNT,
        provisionerServiceAccount: PROVISIONER_SERVICE_ACCOUNT,
      });
    }

    const cdn = this.distribution.distribution;
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
