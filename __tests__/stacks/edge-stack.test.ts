import { CloudfrontDistribution } from "@cdktf/provider-aws/lib/cloudfront-distribution";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { Wafv2WebAcl } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { TerraformStack } from "cdktf";
import { EnvironmentConfig } from "../../config";
import { buildApp } from "../../main";
import { iamMatch } from "../../tools/contracts/terraform";
import { applicationHost } from "../../config/environment";
import { clusterOf, edgeStack } from "../support/edge";
import { nonProductionWithEdge, testApp, testEnvironment, tier } from "../support/environments";
import { countOf, json, onlyResource, policyOf, resourcesOf, synthStack, SynthesizedStack } from "../support/synth";

/** The Elastic Load Balancing accounts of the regions older than August 2022, as AWS documents them (enable-access-logging). */
const LEGACY_ELB_ACCOUNTS: Record<string, string> = {
  "us-east-1": "127311923021",
  "us-east-2": "033677994240",
  "us-west-1": "027434742980",
  "us-west-2": "797873946194",
  "eu-west-1": "156460612806",
  "eu-west-2": "652711504416",
  "eu-west-3": "009996457667",
  "eu-central-1": "054676820928",
  "eu-north-1": "897822967062",
  "ap-southeast-1": "114774131450",
  "ap-southeast-2": "783225319266",
};

/** The edge every test starts from; the ALB admits only CloudFront's origin-facing prefix list, so its id is required. */
const PREFIX_LIST = "pl-0a1b2c3d";
const EDGE = { domainName: "shop.example.org", gitops: { repoURL: "https://github.com/acme/shop.git" }, loadBalancer: { cloudFrontPrefixListId: PREFIX_LIST } };

/** A web ACL rule as the provider synthesizes it (statements keep Terraform's snake_case keys). */
interface WafRule {
  readonly action?: object;
  readonly statement: {
    readonly rate_based_statement?: { readonly limit: number; readonly aggregate_key_type: string };
    readonly managed_rule_group_statement?: { readonly name: string; readonly rule_action_override?: object[] };
  };
}

/** A CloudFront origin as synthesized. */
interface Origin {
  readonly domain_name: string;
  readonly vpc_origin_config?: { readonly vpc_origin_id: string };
  readonly custom_origin_config?: object;
}

function synth(environment: EnvironmentConfig): SynthesizedStack {
  return synthStack(edgeStack(environment));
}

describe("EdgeStack", () => {
  const prod = synth(tier.production);
  const dev = synth(nonProductionWithEdge());

  it("uses only the AWS provider: the default region and a us-east-1 alias with the same default tags", () => {
    expect(Object.keys(prod.provider ?? {})).toEqual(["aws"]);
    const [regional, global] = prod.provider!.aws;
    expect(regional.region).toBe(tier.production.account.region);
    expect(global).toMatchObject({ alias: "us_east_1", region: "us-east-1", default_tags: regional.default_tags });
    expect(prod.data).toBeUndefined();
  });

  it("puts CloudFront's certificate, WAF, WAF logs and log delivery in us-east-1 and the rest in the region", () => {
    const inUsEast1 = (type: string) => Object.values(resourcesOf(prod, type)).map((resource) => resource.provider === "aws.us_east_1");
    expect(inUsEast1("aws_wafv2_web_acl")).toEqual([true]);
    expect(inUsEast1("aws_cloudwatch_log_group")).toEqual([true]);
    expect(inUsEast1("aws_cloudwatch_log_delivery_source")).toEqual([true]);
    expect(inUsEast1("aws_kms_key").sort()).toEqual([false, true]);
    const certificates = Object.values(resourcesOf(prod, "aws_acm_certificate"));
    expect(certificates.map((certificate) => [certificate.domain_name, certificate.provider ?? "default"]).sort()).toEqual([
      [`origin.${applicationHost(tier.production.edge!)}`, "default"],
      [applicationHost(tier.production.edge!), "aws.us_east_1"],
    ]);
  });

  describe("CloudFront", () => {
    const distribution = onlyResource(prod, "aws_cloudfront_distribution");

    it("serves the application host over HTTPS with TLS 1.2 (2021), HTTP/2 and HTTP/3, redirecting plain HTTP instead of refusing it", () => {
      expect(distribution).toMatchObject({ aliases: [applicationHost(tier.production.edge!)], http_version: "http2and3", is_ipv6_enabled: true });
      expect(distribution.viewer_certificate).toMatchObject({ minimum_protocol_version: "TLSv1.2_2021", ssl_support_method: "sni-only" });
      const behaviors = [distribution.default_cache_behavior, ...(distribution.ordered_cache_behavior as object[])] as Record<string, unknown>[];
      expect(new Set(behaviors.map((behavior) => behavior.viewer_protocol_policy))).toEqual(new Set(["redirect-to-https"]));
    });

    it("is protected by the CloudFront web ACL", () => {
      expect(distribution.web_acl_id).toMatch(/aws_wafv2_web_acl\..*\.arn/);
      expect(onlyResource(prod, "aws_wafv2_web_acl").scope).toBe("CLOUDFRONT");
    });

    it("never caches dynamic paths and forwards every cookie to the ALB, so stickiness works", () => {
      expect(distribution.default_cache_behavior).toMatchObject({
        cache_policy_id: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
        origin_request_policy_id: "b689b0a8-53d0-40ab-baf2-68738e2966ac",
      });
    });

    it("caches static paths with a policy that keeps cookies out of the cache key", () => {
      const ordered = distribution.ordered_cache_behavior as Record<string, unknown>[];
      expect(ordered.map((behavior) => behavior.path_pattern)).toContain("/static/*");
      expect(new Set(ordered.map((behavior) => behavior.cache_policy_id)).size).toBe(1);
      const policy = onlyResource(prod, "aws_cloudfront_cache_policy");
      expect(policy.parameters_in_cache_key_and_forwarded_to_origin).toMatchObject({ cookies_config: { cookie_behavior: "none" } });
    });

    it("reaches the internal ALB through a VPC origin over HTTPS", () => {
      const [origin] = distribution.origin as Origin[];
      expect(origin.domain_name).toBe(`origin.${applicationHost(tier.production.edge!)}`);
      expect(origin.vpc_origin_config?.vpc_origin_id).toMatch(/aws_cloudfront_vpc_origin\./);
      const vpcOrigin = onlyResource(prod, "aws_cloudfront_vpc_origin").vpc_origin_endpoint_config as object[];
      expect(vpcOrigin[0]).toMatchObject({ origin_protocol_policy: "https-only", origin_ssl_protocols: [{ items: ["TLSv1.2"], quantity: 1 }] });
    });

    it("delivers its access logs to a KMS-encrypted log bucket whose key admits this account's log deliveries only", () => {
      const bucket = Object.entries(resourcesOf(prod, "aws_s3_bucket")).find(
        ([, candidate]) => candidate.bucket === `${tier.production.prefix}-cdn-logs-${tier.production.account.id}`,
      )![0];
      const encryption = Object.values(resourcesOf(prod, "aws_s3_bucket_server_side_encryption_configuration")).find((candidate) =>
        String(candidate.bucket).includes(bucket),
      )!;
      expect(JSON.stringify(encryption.rule)).toContain("aws:kms");
      const regionalKey = Object.values(resourcesOf(prod, "aws_kms_key")).find((candidate) => !candidate.provider)!;
      const grant = policyOf(regionalKey).Statement.find((statement) => statement.Sid === "CloudFrontLogDelivery")!;
      expect(grant.Condition).toMatchObject({ StringEquals: { "aws:SourceAccount": tier.production.account.id } });
      const destination = onlyResource(prod, "aws_cloudwatch_log_delivery_destination");
      expect(JSON.stringify(destination.delivery_destination_configuration)).toContain(
        `arn:aws:s3:::${tier.production.prefix}-cdn-logs-${tier.production.account.id}/cloudfront`,
      );
      expect(onlyResource(prod, "aws_cloudwatch_log_delivery_source")).toMatchObject({ log_type: "ACCESS_LOGS" });
    });
  });

  describe("WAF", () => {
    const acl = onlyResource(prod, "aws_wafv2_web_acl");
    const rules = acl.rule as WafRule[];

    it("runs a per-IP rate limit and AWS's common, bad-input, SQL injection and IP reputation rule groups", () => {
      expect(rules[0]).toMatchObject({ action: { block: {} }, statement: { rate_based_statement: { limit: 2000, aggregate_key_type: "IP" } } });
      expect(rules.slice(1).map((rule) => rule.statement.managed_rule_group_statement?.name)).toEqual([
        "AWSManagedRulesAmazonIpReputationList",
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesSQLiRuleSet",
      ]);
    });

    it("blocks request bodies over 8 KB by default and only counts them when edge.waf.largeBodies is count", () => {
      const commonRuleSet = (environment: EnvironmentConfig) =>
        (onlyResource(synth(environment), "aws_wafv2_web_acl").rule as WafRule[]).find(
          (rule) => rule.statement.managed_rule_group_statement?.name === "AWSManagedRulesCommonRuleSet",
        )!.statement.managed_rule_group_statement!;
      expect(commonRuleSet(testEnvironment({ edge: EDGE })).rule_action_override).toBeUndefined();
      expect(commonRuleSet(testEnvironment({ edge: { ...EDGE, waf: { largeBodies: "count" } } })).rule_action_override).toEqual([
        { name: "SizeRestrictions_BODY", action_to_use: { count: {} } },
      ]);
    });

    it("takes the rate limit from the config", () => {
      const devRules = onlyResource(dev, "aws_wafv2_web_acl").rule as WafRule[];
      expect(devRules[0].statement.rate_based_statement?.limit).toBe(nonProductionWithEdge().edge!.waf.rateLimit);
    });

    it("logs to an aws-waf-logs- group encrypted with a key of its own region", () => {
      expect(onlyResource(prod, "aws_cloudwatch_log_group")).toMatchObject({ name: `aws-waf-logs-${tier.production.prefix}-cdn`, retention_in_days: 90 });
      expect(onlyResource(prod, "aws_wafv2_web_acl_logging_configuration").resource_arn).toMatch(/aws_wafv2_web_acl\./);
    });
  });

  describe("the load balancer", () => {
    const alb = onlyResource(prod, "aws_lb");

    it("is internal, drops invalid headers, logs to its bucket and is protected from deletion in prod only", () => {
      expect(alb).toMatchObject({ internal: true, drop_invalid_header_fields: true, enable_deletion_protection: true });
      expect(alb.access_logs).toMatchObject({ bucket: `${tier.production.prefix}-alb-logs-${tier.production.account.id}`, enabled: true });
      expect(onlyResource(dev, "aws_lb").enable_deletion_protection).toBe(false);
    });

    it("names its security group by prefix, so create_before_destroy can replace it while the old one exists", () => {
      const group = onlyResource(prod, "aws_security_group");
      expect(group.lifecycle).toMatchObject({ create_before_destroy: true });
      expect(group.name).toBeUndefined();
      expect(group.name_prefix).toBe(`${String(alb.name)}-alb-`);
    });

    it("terminates TLS 1.2+ on 443 and listens on nothing else (CloudFront reaches its origin over HTTPS only)", () => {
      const listeners = Object.values(resourcesOf(prod, "aws_lb_listener"));
      expect(listeners.map((listener) => listener.port)).toEqual([443]);
      expect(listeners[0]).toMatchObject({ protocol: "HTTPS", ssl_policy: "ELBSecurityPolicy-TLS13-1-2-2021-06" });
      expect(listeners[0].certificate_arn).toMatch(/aws_acm_certificate_validation\./);
      expect(onlyResource(prod, "aws_cloudfront_vpc_origin").vpc_origin_endpoint_config).toMatchObject([{ origin_protocol_policy: "https-only" }]);
    });

    it("keeps a user's session on one pod with a stickiness cookie on an IP target group", () => {
      expect(onlyResource(prod, "aws_lb_target_group")).toMatchObject({
        name: `${tier.production.prefix}-web`,
        target_type: "ip",
        port: 8080,
        stickiness: { type: "lb_cookie", enabled: true, cookie_duration: 86400 },
      });
    });

    it("admits HTTPS only from CloudFront's origin-facing prefix list (never the VPC CIDR) and opens the node security group to itself on the app port only", () => {
      const ingress = Object.values(resourcesOf(prod, "aws_vpc_security_group_ingress_rule"));
      expect(ingress.filter((rule) => rule.cidr_ipv4 !== undefined || rule.cidr_ipv6 !== undefined)).toEqual([]);
      const alb = ingress.filter((rule) => String(rule.security_group_id).startsWith("${aws_security_group."));
      expect(alb.map((rule) => [rule.prefix_list_id, rule.from_port, rule.to_port, rule.ip_protocol])).toEqual([
        [tier.production.edge!.loadBalancer.cloudFrontPrefixListId, 443, 443, "tcp"],
      ]);
      const pods = ingress.find((rule) => rule.security_group_id === "sg-0123456789abcdef0")!;
      expect(pods).toMatchObject({ from_port: 8080, to_port: 8080 });
      for (const rule of [...ingress, ...Object.values(resourcesOf(prod, "aws_vpc_security_group_egress_rule"))]) {
        expect(rule.description).toEqual(expect.any(String));
      }
    });

    it("lets Elastic Load Balancing, and S3 access logging of the CDN log bucket, write into the ALB log bucket over TLS only", () => {
      const policies = Object.values(resourcesOf(prod, "aws_s3_bucket_policy")).map((policy) => policyOf(policy).Statement);
      const alb = policies.find((statements) => statements.some((statement) => statement.Sid === "ElbLogDelivery"))!;
      expect(alb.map((statement) => statement.Sid)).toEqual([
        "DenyInsecureTransport",
        "ElbLogDelivery",
        "ElbLogDeliveryLegacyRegion",
        "S3ServerAccessLogsCdnLogs",
      ]);
      const elbAccount = LEGACY_ELB_ACCOUNTS[tier.production.account.region];
      expect(elbAccount).toBeDefined();
      expect(alb.find((statement) => statement.Sid === "ElbLogDeliveryLegacyRegion")!.Principal).toEqual({ AWS: `arn:aws:iam::${elbAccount}:root` });
    });
  });

  describe("DNS", () => {
    it("uses the configured existing zone, and creates the zone when none is configured", () => {
      expect(countOf(prod, "aws_route53_zone")).toBe(0);
      expect(prod.output?.name_servers).toBeUndefined();
      const created = synth(testEnvironment({ edge: EDGE }));
      expect(onlyResource(created, "aws_route53_zone").name).toBe("shop.example.org");
      expect(created.output?.name_servers).toBeDefined();
    });

    it("points the application host (A and AAAA) at CloudFront and the origin host at the ALB", () => {
      const records = Object.values(resourcesOf(prod, "aws_route53_record")).filter((record) => record.alias);
      expect(records.map((record) => [record.name, record.type]).sort()).toEqual([
        [`origin.${applicationHost(tier.production.edge!)}`, "A"],
        [applicationHost(tier.production.edge!), "A"],
        [applicationHost(tier.production.edge!), "AAAA"],
      ]);
      expect(new Set(records.map((record) => record.zone_id))).toEqual(new Set([tier.production.edge!.hostedZoneId]));
    });

    it("validates both certificates with DNS records keyed by domain name", () => {
      const validation = Object.values(resourcesOf(prod, "aws_route53_record")).filter((record) => record.for_each);
      expect(validation).toHaveLength(2);
      expect(Object.values(resourcesOf(prod, "aws_acm_certificate")).every((certificate) => certificate.validation_method === "DNS")).toBe(true);
    });
  });

  describe("ECR", () => {
    it("scans on push, keeps tags immutable and encrypts with the stack's CMK", () => {
      expect(onlyResource(prod, "aws_ecr_repository")).toMatchObject({
        name: `${tier.production.prefix}/web`,
        image_tag_mutability: "IMMUTABLE",
        image_scanning_configuration: { scan_on_push: true },
        force_delete: false,
      });
      expect(onlyResource(dev, "aws_ecr_repository").force_delete).toBe(true);
    });

    it("expires untagged images after a day and keeps the newest 100 tagged ones", () => {
      const { rules } = JSON.parse(onlyResource(prod, "aws_ecr_lifecycle_policy").policy as string);
      expect(rules.map((rule: { selection: object }) => rule.selection)).toEqual([
        { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 1 },
        { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 100 },
      ]);
    });
  });

  describe("database access of the application", () => {
    const withDatabase = synthStack(edgeStack(tier.production, undefined, true));

    it("gives web/web the IRSA role the overlays annotate, with rds-db:connect as the web user", () => {
      const role = Object.values(resourcesOf(withDatabase, "aws_iam_role")).find((candidate) => candidate.name === `${tier.production.prefix}-web`)!;
      expect(role.name).toBe(`${tier.production.prefix}-web`);
      expect(policyOf(role, "assume_role_policy").Statement[0]).toMatchObject({
        Condition: { StringEquals: { [`${clusterOf(tier.production).oidcProvider.issuer}:sub`]: "system:serviceaccount:web:web" } },
      });
      const connect = Object.values(resourcesOf(withDatabase, "aws_iam_role_policy")).find((policy) => String(policy.policy).includes("rds-db:connect"))!;
      expect(policyOf(connect).Statement[0]).toMatchObject({ Action: "rds-db:connect" });
      expect(JSON.stringify(policyOf(connect).Statement[0].Resource)).toContain("/web");
    });

    it("gives the application's role nothing but rds-db:connect: its connection settings are no secret (break 7)", () => {
      const appRole = Object.entries(resourcesOf(withDatabase, "aws_iam_role")).find(([, role]) => role.name === `${tier.production.prefix}-web`)!;
      const statements = Object.values(resourcesOf(withDatabase, "aws_iam_role_policy"))
        .filter((policy) => String(policy.role).includes(`aws_iam_role.${appRole[0]}.`))
        .flatMap((policy) => policyOf(policy).Statement);
      expect(statements.map((statement) => statement.Action)).toEqual(["rds-db:connect"]);
      expect(countOf(withDatabase, "aws_secretsmanager_secret")).toBe(0);
      expect(countOf(withDatabase, "aws_secretsmanager_secret_version")).toBe(0);
    });

    it("gives the provisioning step's service account the only role that reads the master secret, decrypted through Secrets Manager (break 2)", () => {
      const [roleId, role] = Object.entries(resourcesOf(withDatabase, "aws_iam_role")).find(
        ([, candidate]) => candidate.name === `${tier.production.prefix}-web-provision-users`,
      )!;
      expect(policyOf(role, "assume_role_policy").Statement[0]).toMatchObject({
        Condition: { StringEquals: { [`${clusterOf(tier.production).oidcProvider.issuer}:sub`]: "system:serviceaccount:web:web-provision-users" } },
      });
      const statements = Object.values(resourcesOf(withDatabase, "aws_iam_role_policy"))
        .filter((policy) => String(policy.role).includes(`aws_iam_role.${roleId}.`))
        .flatMap((policy) => policyOf(policy).Statement);
      const read = statements.find((statement) => statement.Sid === "ReadMasterSecret")!;
      expect(read.Action).toEqual(["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]);
      expect(read.Resource).toMatch(/master_user_secret/);
      expect(statements.find((statement) => statement.Sid === "DecryptMasterSecretThroughSecretsManager")).toMatchObject({
        Action: "kms:Decrypt",
        Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${tier.production.account.region}.amazonaws.com` } },
      });
      const readers = Object.values(resourcesOf(withDatabase, "aws_iam_role_policy"))
        .filter((policy) => String(policy.policy).includes("master_user_secret"))
        .map((policy) => String(policy.role));
      expect(readers).toEqual([`\${aws_iam_role.${roleId}.id}`]);
    });

    it("is not denied its own cluster's master secret by the environment's permissions boundary (break 2)", () => {
      // The environment with pipeline roles, as main.ts builds it: every role of its stacks carries the boundary.
      const environment = testEnvironment({ github: { repository: "acme/shop" }, edge: EDGE });
      const app = buildApp(testApp(), [environment]);
      const stacks = app.node.children.filter((child): child is TerraformStack => child instanceof TerraformStack).map((stack) => synthStack(stack));
      const boundary = stacks
        .flatMap((stack) => Object.values(resourcesOf(stack, "aws_iam_policy")))
        .find((policy) => policy.name === `${environment.prefix}-boundary`)!;
      const provisioner = stacks
        .flatMap((stack) => Object.values(resourcesOf(stack, "aws_iam_role")))
        .find((role) => role.name === `${environment.prefix}-web-provision-users`)!;
      expect(provisioner.permissions_boundary).toBeDefined();
      // RDS tags the managed master secret with its cluster's ARN; the data layer's cluster is named <prefix>.
      const ownCluster = `arn:aws:rds:${environment.account.region}:${environment.account.id}:cluster:${environment.prefix}`;
      type Guard = { Effect: string; Action: string | string[]; Condition?: { ArnNotLike?: Record<string, string | string[]> } };
      const denies = (policyOf(boundary).Statement as Guard[]).filter(
        (statement) => statement.Effect === "Deny" && [statement.Action].flat().some((action) => iamMatch(action, "secretsmanager:GetSecretValue")),
      );
      const denying = denies.filter((statement) => {
        const notLike = statement.Condition?.ArnNotLike?.["aws:ResourceTag/aws:rds:primaryDBClusterArn"];
        return notLike !== undefined && ![notLike].flat().some((pattern) => iamMatch(pattern, ownCluster));
      });
      expect(denies.length).toBeGreaterThan(0);
      expect(denying).toEqual([]);
    });

    it("hands the delivery stack the connection settings and the master secret's ARN as kustomize patches", () => {
      const stack = edgeStack(tier.production, undefined, true);
      const patches = stack.databaseAccess!.kustomizePatches;
      expect(patches.map((patch) => `${patch.target.kind}/${patch.target.name}`)).toEqual(["ConfigMap/web-database", "ExternalSecret/web-database-master"]);
      const settings = JSON.parse(patches[0].patch) as { path: string }[];
      expect(settings.map((operation) => operation.path)).toEqual(["/data/PGHOST", "/data/PGHOST_READER", "/data/PGPORT"]);
    });

    it("creates no role without a database", () => {
      expect(countOf(prod, "aws_iam_role")).toBe(0);
    });
  });

  it("exports the target group ARN for the delivery stack", () => {
    expect(prod.output?.target_group_arn.value).toMatch(/aws_lb_target_group\./);
  });

  describe("options", () => {
    it("puts an internet-facing ALB in the public subnets and admits only CloudFront's prefix list", () => {
      const environment = testEnvironment({ edge: { ...EDGE, loadBalancer: { scheme: "internet-facing", cloudFrontPrefixListId: PREFIX_LIST } } });
      const synthesized = synth(environment);
      expect(onlyResource(synthesized, "aws_lb").internal).toBe(false);
      expect(String(onlyResource(synthesized, "aws_lb").subnets)).toContain("PublicSubnet");
      const ingress = Object.values(resourcesOf(synthesized, "aws_vpc_security_group_ingress_rule")).filter((rule) => rule.from_port === 443);
      expect(ingress.map((rule) => rule.prefix_list_id)).toEqual([PREFIX_LIST]);
      expect(countOf(synthesized, "aws_cloudfront_vpc_origin")).toBe(0);
      const [origin] = onlyResource(synthesized, "aws_cloudfront_distribution").origin as Origin[];
      expect(origin.custom_origin_config).toMatchObject({ origin_protocol_policy: "https-only", origin_ssl_protocols: ["TLSv1.2"] });
    });

    it("adds a regional web ACL on the ALB when asked", () => {
      const synthesized = synth(testEnvironment({ edge: { ...EDGE, loadBalancer: { regionalWaf: true, cloudFrontPrefixListId: PREFIX_LIST } } }));
      const acls = Object.values(resourcesOf(synthesized, "aws_wafv2_web_acl"));
      expect(acls.map((acl) => acl.scope).sort()).toEqual(["CLOUDFRONT", "REGIONAL"]);
      expect(onlyResource(synthesized, "aws_wafv2_web_acl_association").resource_arn).toMatch(/aws_lb\./);
    });

    it("serves the apex of the domain when no subdomain is configured", () => {
      const synthesized = synth(testEnvironment({ edge: EDGE }));
      expect(onlyResource(synthesized, "aws_cloudfront_distribution").aliases).toEqual(["shop.example.org"]);
    });

    it("refuses to build without an edge section", () => {
      expect(() => edgeStackWithout()).toThrow("config/test.yaml: edge: is required for the test-edge and test-delivery stacks");
    });
  });

  it("serves the configured application host from CloudFront behind a CloudFront-scope WAF, and keeps each configured ECR repository", () => {
    const edge = tier.production.edge!;
    expect(json(prod)).toHaveResourceWithProperties(CloudfrontDistribution, { aliases: [`${edge.appSubdomain}.${edge.domainName}`], enabled: true });
    expect(json(prod)).toHaveResourceWithProperties(Wafv2WebAcl, { scope: "CLOUDFRONT" });
    for (const repository of edge.ecrRepositories) {
      expect(json(prod)).toHaveResourceWithProperties(EcrRepository, { name: `${tier.production.prefix}/${repository}`, image_tag_mutability: "IMMUTABLE" });
    }
  });
});

function edgeStackWithout(): void {
  edgeStack(testEnvironment());
}
