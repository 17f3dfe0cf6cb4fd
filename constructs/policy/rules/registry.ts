import { block, isTrue } from "../attributes";
import { PolicyRule } from "../types";

export const REGISTRY_RULES: PolicyRule[] = [
  {
    id: "PLT-ECR-001",
    severity: "error",
    title: "ECR scan on push",
    description: "Every repository scans images on push.",
    checkov: ["CKV_AWS_163"],
    trivy: ["AVD-AWS-0030"],
    remediation: "set image_scanning_configuration { scan_on_push = true }",
    resourceTypes: ["aws_ecr_repository"],
    check({ attributes }) {
      return isTrue(block(attributes.image_scanning_configuration)?.scan_on_push) ? undefined : "images are not scanned on push";
    },
  },
  {
    id: "PLT-ECR-002",
    severity: "error",
    title: "ECR immutable tags",
    description: "image_tag_mutability is IMMUTABLE, so a deployed tag always means the same image.",
    checkov: ["CKV_AWS_51"],
    trivy: ["AVD-AWS-0031"],
    remediation: 'set image_tag_mutability = "IMMUTABLE" and tag images by commit',
    resourceTypes: ["aws_ecr_repository"],
    check({ attributes }) {
      return attributes.image_tag_mutability === "IMMUTABLE" ? undefined : "image tags can be overwritten (image_tag_mutability is not IMMUTABLE)";
    },
  },
];
