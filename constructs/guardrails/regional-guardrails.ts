import { Construct } from "constructs";
import type { AccountGuardrails } from "../../config/schema/guardrails";
import { AlertTopic } from "./alert-topic";
import { ConfigRecorderRole, ConfigRecording } from "./config-recording";
import { AccountAccessAnalyzer, SecurityHub } from "./security-posture";
import { ThreatDetection } from "./threat-detection";

export interface RegionalGuardrailsProps {
  /** `guardrails`: names the region's topic, rule, recorder and analyzer. */
  readonly namePrefix: string;
  /** The account's guardrails, merged from its environments (the strictest settings). */
  readonly settings: AccountGuardrails;
  /** The receivers of GuardDuty findings. */
  readonly emails: readonly string[];
  /** The AWS Config role; set exactly when `settings.services.config` is. @default none (AWS Config off) */
  readonly configRole?: ConfigRecorderRole;
  /** The home region records IAM and the other global resource types; the other regions do not repeat them. */
  readonly home: boolean;
  /** The oldest `cluster.version` of the account's environments: the EKS pack's oldest supported version. */
  readonly oldestKubernetesVersion: string;
}

/** The account's regional guardrails in one region (the scope's): GuardDuty, AWS Config, Security Hub, Access Analyzer. */
export class RegionalGuardrails extends Construct {
  readonly alerts?: AlertTopic;
  readonly threatDetection?: ThreatDetection;
  readonly config?: ConfigRecording;
  readonly securityHub?: SecurityHub;
  readonly accessAnalyzer?: AccountAccessAnalyzer;

  constructor(scope: Construct, id: string, props: RegionalGuardrailsProps) {
    super(scope, id);
    const { services } = props.settings;
    const name = props.namePrefix;
    if (services.guardDuty) {
      this.alerts = new AlertTopic(this, "Alerts", { name: `${name}-findings`, emails: props.emails });
      this.threatDetection = new ThreatDetection(this, "GuardDuty", {
        name: `${name}-guardduty-findings`,
        alerts: this.alerts,
        minimumSeverity: props.settings.findingSeverity,
      });
    }
    if (props.configRole) {
      this.config = new ConfigRecording(this, "Config", {
        name,
        role: props.configRole,
        recordGlobalResources: props.home,
        oldestKubernetesVersion: props.oldestKubernetesVersion,
      });
    }
    if (services.securityHub) {
      this.securityHub = new SecurityHub(this, "SecurityHub", { after: this.config ? [this.config.status] : [] });
    }
    if (services.accessAnalyzer) this.accessAnalyzer = new AccountAccessAnalyzer(this, "AccessAnalyzer", { name: `${name}-account` });
  }
}
