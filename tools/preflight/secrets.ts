import type { EnvironmentConfig } from "../../config";
import { USER_SUPPLIED_TAG } from "../../constructs/addons/secret-stores";
import type { PreflightCheck, PreflightContext, PreflightResult } from "./types";

/** A Secrets Manager secret the platform creates, as the environment's config declares it. */
export interface DeclaredSecret {
  readonly name: string;
  /** `user-supplied`: an empty container whose value its owner puts; `generated`: the platform writes the value. */
  readonly origin: "user-supplied" | "generated";
  /** What is off (or failing) while the value is missing. */
  readonly serves: string;
  /** Who writes a generated value (and where to look when it has not). @default none: user-supplied */
  readonly writer?: string;
}

/**
 * Every Secrets Manager secret the `<env>-platform` stack creates for this config (a test holds this list equal to
 * the synthesized stack's `aws_secretsmanager_secret` names for every shipped environment).
 */
export function declaredSecrets(environment: EnvironmentConfig): DeclaredSecret[] {
  const { platform } = environment;
  const secrets: DeclaredSecret[] = [];
  if (platform.vault.enabled) {
    secrets.push({
      name: `${environment.prefix}/vault/recovery`,
      origin: "generated",
      serves: "Vault's recovery key and root token",
      writer: "the vault-setup Job in vault (kubectl -n vault logs job/<vault-setup-…> --all-containers)",
    });
  }
  if (!platform.externalSecrets.enabled) return secrets;
  const monitoring = platform.kubePrometheusStack;
  if (monitoring.enabled) {
    for (const receiver of monitoring.alertmanager.receivers) {
      secrets.push({ name: receiver.secretName, origin: "user-supplied", serves: `Alertmanager receiver ${receiver.name} (${receiver.type}) stays silent` });
    }
    secrets.push({
      name: monitoring.grafana.adminSecretName ?? `${environment.prefix}/grafana-admin`,
      origin: "generated",
      serves: "the operators' copy of Grafana's admin login",
      writer: "the PushSecret grafana-admin in monitoring (kubectl -n monitoring describe pushsecret grafana-admin)",
    });
  }
  if (platform.argoCd.enabled) {
    if (platform.argoCd.sso) {
      secrets.push({
        name: platform.argoCd.sso.clientSecretName,
        origin: "user-supplied",
        serves: "Argo CD single sign-on (the local admin is off: nobody can log in)",
      });
    }
    const repository = environment.edge?.gitops.repoCredentialsSecret;
    if (repository)
      secrets.push({ name: repository, origin: "user-supplied", serves: "Argo CD cannot clone the application's repository, so the app is not delivered" });
  }
  return secrets;
}

interface DescribedSecret {
  readonly VersionIdsToStages?: Record<string, string[]>;
  readonly Tags?: { Key: string; Value: string }[];
}

/** One secret's state: no container yet, a container without a current value, or a value. */
async function inspect(context: PreflightContext, secret: DeclaredSecret): Promise<PreflightResult> {
  const { region } = context.environment.account;
  const described = await context.aws(["secretsmanager", "describe-secret", "--secret-id", secret.name, "--region", region]);
  const stack = `${context.environment.name}-platform`;
  if (!described.ok) {
    if (!described.stderr.includes("ResourceNotFoundException")) {
      return {
        status: "unchecked",
        message: `${secret.name}: cannot describe it (${described.stderr.trim().split("\n")[0]}); run with the deploy role, which may describe secrets`,
      };
    }
    return {
      status: "info",
      message:
        secret.origin === "user-supplied"
          ? `${secret.name}: not created yet; ${stack} creates it empty, then put its value (until then ${secret.serves})`
          : `${secret.name}: not created yet; ${stack} creates it and the platform generates its value`,
    };
  }
  const parsed = JSON.parse(described.stdout) as DescribedSecret;
  const hasValue = Object.values(parsed.VersionIdsToStages ?? {}).some((stages) => stages.includes("AWSCURRENT"));
  if (hasValue) return { status: "ok", message: `${secret.name}: has a value (${secret.origin})` };
  if (secret.origin === "user-supplied") {
    return {
      status: "missing",
      message: `${secret.name}: no value, so ${secret.serves}; put it: aws secretsmanager put-secret-value --region ${region} --secret-id ${secret.name} --secret-string file://value.txt`,
    };
  }
  return { status: "missing", message: `${secret.name}: no value yet; ${secret.writer} writes it` };
}

/** Declared user-supplied secrets that have no value yet, and generated ones that are not in place. */
export const secretsCheck: PreflightCheck = {
  id: "secrets",
  description: `Secrets Manager: every secret the platform reads exists and has a value (user-supplied ones are tagged ${USER_SUPPLIED_TAG})`,
  async run(context) {
    return Promise.all(declaredSecrets(context.environment).map((secret) => inspect(context, secret)));
  },
};
