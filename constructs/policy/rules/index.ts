import { PolicyRule } from "../types";
import { AUDIT_RULES } from "./audit";
import { ADMISSION_RULES } from "./admission";
import { COMPUTE_RULES } from "./compute";
import { DATABASE_RULES } from "./database";
import { EDGE_RULES } from "./edge";
import { EKS_RULES } from "./eks";
import { ENCRYPTION_RULES } from "./encryption";
import { IAM_RULES } from "./iam";
import { LOGGING_RULES } from "./logging";
import { NETWORK_RULES } from "./network";
import { REGISTRY_RULES } from "./registry";
import { RELIABILITY_RULES } from "./reliability";
import { STORAGE_RULES } from "./storage";

/** Every rule, in the order of the docs table. Adding a service's rules touches its file and one line here. */
export const ALL_RULES: readonly PolicyRule[] = [
  ...EKS_RULES,
  ...COMPUTE_RULES,
  ...DATABASE_RULES,
  ...STORAGE_RULES,
  ...ENCRYPTION_RULES,
  ...LOGGING_RULES,
  ...AUDIT_RULES,
  ...REGISTRY_RULES,
  ...NETWORK_RULES,
  ...EDGE_RULES,
  ...IAM_RULES,
  ...RELIABILITY_RULES,
  ...ADMISSION_RULES,
];

export const RULE_IDS: ReadonlySet<string> = new Set(ALL_RULES.map((rule) => rule.id));

if (RULE_IDS.size !== ALL_RULES.length) {
  throw new Error("policy rules: two rules share an id");
}
