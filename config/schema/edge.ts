import { z } from "./zod";
import { retentionDays } from "./common";

/** What WAF does with request bodies over 8 KB (the AWS common rule set's SizeRestrictions_BODY). */
export const LARGE_BODY_ACTIONS = ["block", "count"] as const;

const dnsLabel = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be one DNS label: a-z, 0-9 and '-', not starting or ending with '-'");

const repositoryName = z
  .string()
  .regex(/^[a-z0-9]+([._-][a-z0-9]+)*$/, "must be an ECR repository name: lower case letters and digits, separated by '.', '_' or '-'");

export const edgeSchema = z
  .strictObject({
    domainName: z
      .string()
      .regex(/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "must be a lower-case DNS domain such as example.com")
      .describe("The public DNS zone the application lives in, e.g. example.com."),
    hostedZoneId: z
      .string()
      .regex(/^Z[A-Z0-9]{4,31}$/, "must be a Route53 hosted zone id such as Z0123456789ABCDEFGHIJ")
      .optional()
      .describe("Id of the existing public hosted zone of domainName. @default none: the stack creates the zone (delegate to its name servers)"),
    appSubdomain: dnsLabel.optional().describe("The application's host is <appSubdomain>.<domainName>. @default the apex, domainName itself"),
    application: z
      .strictObject({
        replicas: z
          .number()
          .int("must be a whole number")
          .min(1, "must be at least 1")
          .default(2)
          .describe("Pods of the application's Rollout, and the autoscaler's minimum."),
        maxReplicas: z.number().int("must be a whole number").min(1, "must be at least 1").default(4).describe("The autoscaler's maximum number of pods."),
        autoPromotion: z
          .boolean()
          .optional()
          .describe("Promote a healthy blue-green preview without a person. @default true below the production tier, false in production"),
      })
      .prefault({})
      .describe("The application's size and rollout in this environment; written into gitops/overlays/<env>/ by `npm run generate`."),
    ecrRepositories: z
      .array(repositoryName)
      .min(1, "needs at least one repository")
      .default(["web"])
      .describe("ECR repositories of the application's images, created as <project>-<environment>/<name>."),
    keepImages: z
      .number()
      .int("must be a whole number")
      .min(10, "must be between 10 and 1000")
      .max(1000, "must be between 10 and 1000")
      .default(100)
      .describe("How many tagged images each ECR repository keeps; older ones expire (untagged ones after a day)."),
    loadBalancer: z
      .strictObject({
        scheme: z
          .enum(["internal", "internet-facing"])
          .default("internal")
          .describe(
            "internal: the ALB has no public address and CloudFront reaches it through a VPC origin. internet-facing: public ALB whose security group admits only CloudFront's origin-facing prefix list.",
          ),
        cloudFrontPrefixListId: z
          .string()
          .regex(/^pl-[0-9a-f]{8,17}$/, "must be a managed prefix list id such as pl-4fa04526")
          .optional()
          .describe(
            "The Region's com.amazonaws.global.cloudfront.origin-facing prefix list id, the only source the ALB admits (VPC origins arrive from these addresses too). @default the id AWS publishes for the region (config/schema/aws-catalog.ts); required in a region the project does not list (look it up once: aws ec2 describe-managed-prefix-lists).",
          ),
        regionalWaf: z.boolean().default(false).describe("Also attach a regional WAF web ACL to the ALB (defence in depth for internet-facing ALBs)."),
        stickinessSeconds: z
          .number()
          .int("must be a whole number")
          .min(1, "must be between 1 and 604800 seconds (7 days)")
          .max(604800, "must be between 1 and 604800 seconds (7 days)")
          .default(86400)
          .describe("Lifetime of the ALB's AWSALB stickiness cookie, which keeps a user's session on one pod."),
        appPort: z
          .number()
          .int("must be a whole number")
          .min(1, "must be a TCP port: 1-65535")
          .max(65535, "must be a TCP port: 1-65535")
          .default(8080)
          .describe("The container port of the application pods (target group port)."),
        healthCheckPath: z.string().startsWith("/", "must start with '/'").default("/readyz").describe("Target group health check path."),
      })
      .prefault({})
      .describe("The Terraform-owned Application Load Balancer in front of the pods."),
    waf: z
      .strictObject({
        rateLimit: z
          .number()
          .int("must be a whole number")
          .min(10, "must be between 10 and 2000000000 requests per 5 minutes (WAF's range)")
          .max(2000000000, "must be between 10 and 2000000000 requests per 5 minutes (WAF's range)")
          .default(2000)
          .describe("Requests per client IP per 5 minutes before the rate-based rule blocks it."),
        largeBodies: z
          .enum(LARGE_BODY_ACTIONS)
          .default("block")
          .describe(
            "What the common rule set's SizeRestrictions_BODY rule does with request bodies over 8 KB: block (403; safe for an API of small JSON documents) or count (log and let through, for uploads or large forms; WAF then inspects only the first 8 KB of such bodies).",
          ),
        logRetentionDays: retentionDays.default(90).describe("Days CloudWatch Logs keeps the web ACL's request log (one of the values CloudWatch accepts)."),
      })
      .prefault({})
      .describe("The WAFv2 web ACL on CloudFront, and on the ALB when loadBalancer.regionalWaf is set."),
    staticPathPatterns: z
      .array(z.string().regex(/^[A-Za-z0-9_\-.*$/~"'@:+/]{1,255}$/, "must be a CloudFront path pattern such as /static/* or *.css"))
      .default(["/static/*", "/assets/*", "*.js", "*.css", "*.png", "*.svg", "*.ico", "*.woff2"])
      .describe("Path patterns CloudFront caches; every other path goes to the application uncached, with cookies."),
    logRetentionDays: z
      .number()
      .int("must be a whole number")
      .min(1, "must be at least 1 day")
      .default(365)
      .describe("Days the ALB and CloudFront access logs are kept in S3."),
    gitops: z
      .strictObject({
        repoURL: z
          .string()
          .regex(/^(https:\/\/|ssh:\/\/|git@)\S+$/, "must be an https://, ssh:// or git@ Git URL")
          .describe("The Git repository Argo CD syncs the application from."),
        path: z.string().min(1).optional().describe("Folder of the application's kustomization in that repository. @default gitops/overlays/<environment>"),
        targetRevision: z.string().min(1).default("main").describe("Branch, tag or commit Argo CD follows."),
        repoCredentialsSecret: z
          .string()
          .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, "must be a Secrets Manager secret name")
          .optional()
          .describe("Secrets Manager secret with the repository credentials (keys: username/password or sshPrivateKey). @default none: a public repository"),
        imageUpdater: z
          .strictObject({
            enabled: z.boolean().default(true).describe("Argo CD Image Updater moves the overlay's image tag to the newest build in ECR."),
            allowTags: z.string().default("regexp:^[0-9a-f]{40}$").describe("Which tags count as builds: the release workflow's git-sha tags."),
            writeBack: z
              .enum(["git", "argocd"])
              .default("git")
              .describe("git: commit the new tag to the overlay (kept in Git); argocd: set it on the Application only."),
          })
          .prefault({})
          .describe("Argo CD Image Updater for the application's image."),
      })
      .describe("How Argo CD delivers the application (the <environment>-delivery stack)."),
  })
  .optional()
  .describe("CloudFront, WAF, Route53, ACM, the ALB and ECR of the application (<environment>-edge), and its GitOps delivery.");

export type EdgeInput = z.input<typeof edgeSchema>;
