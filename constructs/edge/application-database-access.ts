import { Construct } from "constructs";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { AuroraPostgres } from "../database/aurora-postgres";
import { IrsaRole, OidcProviderRef } from "../iam/irsa-role";
import { KmsKey } from "../security/kms-key";

/** The application's IRSA role: `<prefix>-<serviceAccount>` (the overlays' service account annotation names it). */
export function applicationRoleName(prefix: string, serviceAccount: string): string {
  return `${prefix}-${serviceAccount}`;
}

/** The application's database connection secret: `<prefix>/<serviceAccount>/database` (the overlays' ExternalSecret reads it). */
export function applicationSecretName(prefix: string, serviceAccount: string): string {
  return `${prefix}/${serviceAccount}/database`;
}

export interface ApplicationDatabaseAccessProps {
  readonly oidcProvider: OidcProviderRef;
  readonly database: AuroraPostgres;
  /** `<project>-<environment>`: the role is `<prefix>-<serviceAccount>`, the secret `<prefix>/<serviceAccount>/database`. */
  readonly prefix: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** The PostgreSQL user the application logs in as with IAM tokens. @default the service account's name */
  readonly dbUser?: string;
  /** Encrypts the connection secret; the role decrypts with it only through Secrets Manager of the key's region. */
  readonly key: KmsKey;
  /** Days a deleted connection secret can still be restored (`secretRecoveryWindowDays` of the tier). */
  readonly recoveryWindowDays: number;
}

/**
 * What the application's pods need to reach Aurora without a password: an IRSA role for their service account with
 * `rds-db:connect` for one database user, and a Secrets Manager secret with the connection settings (libpq names:
 * PGHOST, PGPORT, PGUSER, PGSSLMODE, plus PGHOST_READER) that the ExternalSecret of `gitops/` reads.
 */
export class ApplicationDatabaseAccess extends Construct {
  readonly role: IrsaRole;
  readonly secret: SecretsmanagerSecret;

  constructor(scope: Construct, id: string, props: ApplicationDatabaseAccessProps) {
    super(scope, id);
    const dbUser = props.dbUser ?? props.serviceAccount;
    this.secret = new SecretsmanagerSecret(this, "Connection", {
      name: applicationSecretName(props.prefix, props.serviceAccount),
      description: `How ${props.namespace}/${props.serviceAccount} reaches Aurora (IAM authentication: no password)`,
      kmsKeyId: props.key.arn,
      recoveryWindowInDays: props.recoveryWindowDays,
    });
    // The namespace's SecretStore (gitops/base) authenticates as this service account, so the role that connects to
    // the database is also the only one that may read the connection settings.
    this.role = new IrsaRole(this, "Role", {
      oidcProvider: props.oidcProvider,
      roleName: applicationRoleName(props.prefix, props.serviceAccount),
      namespace: props.namespace,
      serviceAccount: props.serviceAccount,
      description: `IAM database authentication of ${props.namespace}/${props.serviceAccount} as ${dbUser}`,
      statements: [
        {
          Sid: "ReadConnectionSettings",
          Effect: "Allow",
          Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
          Resource: this.secret.arn,
        },
        props.key.grantDecryptVia("DecryptThroughSecretsManager", "secretsmanager"),
      ],
    });
    props.database.grantConnect(this.role, dbUser);
    new SecretsmanagerSecretVersion(this, "ConnectionValue", {
      secretId: this.secret.id,
      secretString: JSON.stringify({
        PGHOST: props.database.writerEndpoint,
        PGHOST_READER: props.database.readerEndpoint,
        PGPORT: String(props.database.port),
        PGUSER: dbUser,
        PGSSLMODE: "verify-full",
      }),
    });
  }
}
