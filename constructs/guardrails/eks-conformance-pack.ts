import { stringify } from "yaml";

/** One AWS Config managed rule of the pack: its rule name, the managed rule's identifier and why the platform wants it. */
export interface ManagedRule {
  readonly name: string;
  readonly identifier: string;
  readonly resourceTypes: readonly string[];
  /** Why it is in the pack (becomes the rule's description in AWS Config). */
  readonly why: string;
  readonly parameters?: Readonly<Record<string, string>>;
}

/**
 * The project's "Operational Best Practices for Amazon EKS" conformance pack, written from AWS Config's documented
 * managed rules (developerguide/managed-rules-by-aws-config.html, the eks-* pages): what the cluster stack already
 * enforces at synth, checked again on what is actually running in the account, plus the node, registry and network
 * rules an EKS cluster depends on.
 */
export function eksConformancePackRules(props: { readonly oldestKubernetesVersion: string }): ManagedRule[] {
  const eks = ["AWS::EKS::Cluster"];
  return [
    {
      name: "eks-endpoint-no-public-access",
      identifier: "EKS_ENDPOINT_NO_PUBLIC_ACCESS",
      resourceTypes: eks,
      why: "The cluster API is reached from inside the VPC only (the deploy runner, the nodes).",
    },
    {
      name: "eks-secrets-encrypted",
      identifier: "EKS_SECRETS_ENCRYPTED",
      resourceTypes: eks,
      why: "Kubernetes Secrets are envelope-encrypted with a KMS key.",
    },
    {
      name: "eks-cluster-logging-enabled",
      identifier: "EKS_CLUSTER_LOGGING_ENABLED",
      resourceTypes: eks,
      why: "Every control-plane log type goes to CloudWatch Logs.",
    },
    {
      name: "eks-cluster-supported-version",
      identifier: "EKS_CLUSTER_SUPPORTED_VERSION",
      resourceTypes: eks,
      why: "No cluster runs a Kubernetes version older than the oldest the account's environments configure.",
      parameters: { oldestVersionSupported: props.oldestKubernetesVersion },
    },
    {
      name: "ec2-imdsv2-check",
      identifier: "EC2_IMDSV2_CHECK",
      resourceTypes: ["AWS::EC2::Instance"],
      why: "Nodes require IMDSv2 tokens, so a pod cannot replay the node role's credentials through a forged request.",
    },
    {
      name: "encrypted-volumes",
      identifier: "ENCRYPTED_VOLUMES",
      resourceTypes: ["AWS::EC2::Volume"],
      why: "Node disks and persistent volumes are encrypted.",
    },
    {
      name: "ecr-private-image-scanning-enabled",
      identifier: "ECR_PRIVATE_IMAGE_SCANNING_ENABLED",
      resourceTypes: ["AWS::ECR::Repository"],
      why: "Images the cluster pulls from the environment's registry are scanned on push.",
    },
    {
      name: "ecr-private-tag-immutability-enabled",
      identifier: "ECR_PRIVATE_TAG_IMMUTABILITY_ENABLED",
      resourceTypes: ["AWS::ECR::Repository"],
      why: "A deployed tag always names the same image.",
    },
    {
      name: "vpc-flow-logs-enabled",
      identifier: "VPC_FLOW_LOGS_ENABLED",
      resourceTypes: ["AWS::EC2::VPC"],
      why: "The cluster's VPC records its flows.",
    },
  ];
}

/** The conformance pack's template body: a CloudFormation template of AWS::Config::ConfigRule resources. */
export function eksConformancePackTemplate(props: { readonly oldestKubernetesVersion: string }): string {
  const resources = Object.fromEntries(
    eksConformancePackRules(props).map((rule) => [
      rule.name
        .split("-")
        .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
        .join(""),
      {
        Type: "AWS::Config::ConfigRule",
        Properties: {
          ConfigRuleName: rule.name,
          Description: rule.why,
          Scope: { ComplianceResourceTypes: [...rule.resourceTypes] },
          Source: { Owner: "AWS", SourceIdentifier: rule.identifier },
          ...(rule.parameters ? { InputParameters: { ...rule.parameters } } : {}),
        },
      },
    ]),
  );
  return stringify({ Resources: resources });
}
