import { blocks, isSet, isTrue, numberOf, text } from "../attributes";
import { strings } from "../../core/json";
import { PolicyRule } from "../types";
import { publicSubnets } from "./subnets";

const CLUSTERS_AND_INSTANCES = ["aws_rds_cluster", "aws_db_instance"];

export const DATABASE_RULES: PolicyRule[] = [
  {
    id: "PLT-RDS-001",
    severity: "error",
    title: "Database storage encrypted with a CMK",
    description: "storage_encrypted is true and kms_key_id names a customer managed key.",
    checkov: ["CKV_AWS_16", "CKV_AWS_96", "CKV_AWS_327"],
    trivy: ["AVD-AWS-0079", "AVD-AWS-0080"],
    remediation: "set storage_encrypted = true and kms_key_id = <KmsKey>.arn (encryption can only be chosen at creation)",
    resourceTypes: CLUSTERS_AND_INSTANCES,
    check({ attributes }) {
      if (!isTrue(attributes.storage_encrypted)) return "storage is not encrypted";
      return isSet(attributes.kms_key_id) ? undefined : "storage is encrypted with the AWS managed aws/rds key, not a CMK";
    },
  },
  {
    id: "PLT-RDS-002",
    severity: "error",
    title: "Database not publicly accessible",
    description: "No DB instance or Aurora instance has publicly_accessible = true.",
    trivy: ["AVD-AWS-0180"],
    remediation: "set publicly_accessible = false and keep the instances in the isolated database subnets",
    resourceTypes: ["aws_db_instance", "aws_rds_cluster_instance"],
    check({ attributes }) {
      return isTrue(attributes.publicly_accessible) ? "the instance gets a public IP address (publicly_accessible = true)" : undefined;
    },
  },
  {
    id: "PLT-RDS-003",
    severity: "error",
    title: "IAM database authentication",
    description: "iam_database_authentication_enabled is true, so applications connect with short-lived IAM tokens.",
    checkov: ["CKV_AWS_161", "CKV_AWS_162"],
    trivy: ["AVD-AWS-0176"],
    remediation: "set iam_database_authentication_enabled = true",
    resourceTypes: CLUSTERS_AND_INSTANCES,
    check({ attributes }) {
      return isTrue(attributes.iam_database_authentication_enabled) ? undefined : "IAM database authentication is off";
    },
  },
  {
    id: "PLT-RDS-004",
    severity: "error",
    title: "Deletion protection in production",
    description: "Production databases have deletion_protection = true.",
    checkov: ["CKV_AWS_139", "CKV_AWS_293"],
    trivy: ["AVD-AWS-0177", "AVD-AWS-0343"],
    remediation: "set deletion_protection = true (turn it off in a separate, reviewed apply before a deliberate destroy)",
    resourceTypes: CLUSTERS_AND_INSTANCES,
    productionOnly: true,
    check({ attributes }) {
      return isTrue(attributes.deletion_protection) ? undefined : "a production database can be deleted (deletion_protection is off)";
    },
  },
  {
    id: "PLT-RDS-005",
    severity: "error",
    title: "Final snapshot in production",
    description: "Production databases take a final snapshot on deletion: skip_final_snapshot is not true and final_snapshot_identifier is set.",
    remediation: 'set skip_final_snapshot = false and final_snapshot_identifier = "<name>-final"',
    resourceTypes: CLUSTERS_AND_INSTANCES,
    productionOnly: true,
    check({ attributes }) {
      if (isTrue(attributes.skip_final_snapshot)) return "deleting the production database takes no final snapshot (skip_final_snapshot = true)";
      return isSet(attributes.final_snapshot_identifier) ? undefined : "final_snapshot_identifier is unset, so no final snapshot can be taken";
    },
  },
  {
    id: "PLT-RDS-006",
    severity: "error",
    title: "Backup retention: 7 days, 35 in production",
    description: "backup_retention_period is at least 7 days, and 35 (the maximum) in production.",
    checkov: ["CKV_AWS_133"],
    trivy: ["AVD-AWS-0077"],
    remediation: "set backup_retention_period = 35 in production and at least 7 elsewhere",
    resourceTypes: CLUSTERS_AND_INSTANCES,
    check({ attributes }, { production }) {
      const minimum = production ? 35 : 7;
      const days = numberOf(attributes.backup_retention_period) ?? 1;
      return days >= minimum ? undefined : `backups are kept ${days} day${days === 1 ? "" : "s"}; this tier needs at least ${minimum}`;
    },
  },
  {
    id: "PLT-RDS-007",
    severity: "error",
    title: "Performance Insights encrypted with a CMK",
    description: "When Performance Insights is on, performance_insights_kms_key_id names a customer managed key (query samples hold data).",
    checkov: ["CKV_AWS_354"],
    trivy: ["AVD-AWS-0078"],
    remediation: "set performance_insights_kms_key_id = <KmsKey>.arn wherever performance_insights_enabled = true",
    resourceTypes: ["aws_rds_cluster", "aws_rds_cluster_instance", "aws_db_instance"],
    check({ attributes }) {
      if (!isTrue(attributes.performance_insights_enabled)) return undefined;
      return isSet(attributes.performance_insights_kms_key_id) ? undefined : "Performance Insights data is encrypted with the AWS managed key, not a CMK";
    },
  },
  {
    id: "PLT-RDS-008",
    severity: "error",
    title: "Database log exports on",
    description: "enabled_cloudwatch_logs_exports sends the engine logs (postgresql for Aurora PostgreSQL) to CloudWatch Logs.",
    checkov: ["CKV_AWS_129", "CKV_AWS_324"],
    remediation: 'set enabled_cloudwatch_logs_exports = ["postgresql"] (and an encrypted log group with a retention for it)',
    resourceTypes: CLUSTERS_AND_INSTANCES,
    check({ attributes }) {
      return strings(attributes.enabled_cloudwatch_logs_exports).length > 0 ? undefined : "no database log is exported to CloudWatch Logs";
    },
  },
  {
    id: "PLT-RDS-009",
    severity: "error",
    title: "PostgreSQL logs schema changes",
    description:
      "A PostgreSQL parameter group (aurora-postgresql or postgres family) sets log_statement to ddl, mod or all, so every CREATE, ALTER and DROP is in the log.",
    checkov: ["CKV2_AWS_27"],
    remediation: 'add parameter { name = "log_statement", value = "ddl" } to the cluster (or DB) parameter group',
    resourceTypes: ["aws_rds_cluster_parameter_group", "aws_db_parameter_group"],
    check({ type, attributes }) {
      const family = text(attributes.family, "");
      // Aurora reads log_statement from the cluster group; an Aurora instance group cannot set it.
      const applies = type === "aws_rds_cluster_parameter_group" ? family.startsWith("aurora-postgresql") : family.startsWith("postgres");
      if (!applies) return undefined;
      const value = blocks(attributes.parameter).find((parameter) => parameter.name === "log_statement")?.value;
      return ["ddl", "mod", "all"].includes(text(value))
        ? undefined
        : `log_statement is ${value === undefined ? "unset (none)" : `"${text(value)}"`}: schema changes leave no trace in the log`;
    },
  },
  {
    id: "PLT-RDS-010",
    severity: "error",
    title: "Database subnets isolated",
    description:
      "Every DB subnet group holds only subnets that neither map public IPs nor route to an internet gateway, so no database instance can ever be given an internet path, whatever publicly_accessible says.",
    remediation: "build the subnet group from the network's database subnets (network.databaseSubnets), whose route table has no default route",
    resourceTypes: ["aws_db_subnet_group"],
    check(resource, context) {
      const exposed = publicSubnets(resource.attributes.subnet_ids, context);
      return exposed.length > 0 ? `holds public subnets: ${exposed.join("; ")}` : undefined;
    },
  },
];
