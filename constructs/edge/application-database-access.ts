import { Construct } from "constructs";
import { AuroraPostgres } from "../database/aurora-postgres";
import { IrsaRole } from "../iam/irsa-role";
import { workloadRole, WorkloadIdentityOptions } from "../iam/workload-identity";
import { WorkloadRole } from "../iam/workload-role";
import { KustomizePatch } from "./target-group-binding-patch";

/** The application's role: `<prefix>-<serviceAccount>` (with IRSA, the overlays' service account annotation names it). */
export function applicationRoleName(prefix: string, serviceAccount: string): string {
  return `${prefix}-${serviceAccount}`;
}

/** The ConfigMap of `gitops/base` that carries the non-secret connection settings (libpq's PG* names). */
export const CONNECTION_SETTINGS_CONFIGMAP = "web-database";
/** The ExternalSecret of `gitops/base` that brings the master credentials to the provisioning Job, and only to it. */
export const MASTER_CREDENTIALS_EXTERNAL_SECRET = "web-database-master";

/** What `gitops/base` needs from the data layer, known only after it is applied. */
export interface DatabaseHandover {
  readonly writerEndpoint: string;
  readonly readerEndpoint: string;
  readonly port: number;
  /** The Aurora-managed master secret, for the provisioning step's ExternalSecret. */
  readonly masterSecretArn: string;
}

/**
 * The patches the delivery stack's Argo CD Application applies over the overlay: the endpoints and port into the
 * `web-database` ConfigMap, the master secret's ARN into the `web-database-master` ExternalSecret.
 */
export function databaseKustomizePatches(handover: DatabaseHandover): KustomizePatch[] {
  return [
    {
      target: { version: "v1", kind: "ConfigMap", name: CONNECTION_SETTINGS_CONFIGMAP },
      patch: JSON.stringify([
        { op: "add", path: "/data/PGHOST", value: handover.writerEndpoint },
        { op: "add", path: "/data/PGHOST_READER", value: handover.readerEndpoint },
        { op: "add", path: "/data/PGPORT", value: String(handover.port) },
      ]),
    },
    {
      target: { group: "external-secrets.io", version: "v1", kind: "ExternalSecret", name: MASTER_CREDENTIALS_EXTERNAL_SECRET },
      patch: JSON.stringify([{ op: "add", path: "/spec/dataFrom", value: [{ extract: { key: handover.masterSecretArn } }] }]),
    },
  ];
}

export interface ApplicationDatabaseAccessProps {
  /**
   * The cluster's workload identity: the application's role is an IRSA or a Pod Identity role (its Node.js AWS SDK v3
   * supports both). The provisioning Job's role is IRSA whatever the choice: the namespace's SecretStore exchanges that
   * service account's token itself (external-secrets' `serviceAccountRef`), which Pod Identity cannot serve.
   */
  readonly identity: WorkloadIdentityOptions;
  /** The cluster the roles may connect to (`rds-db:connect` for their database users). */
  readonly database: AuroraPostgres;
  /** `<project>-<environment>`: the roles are `<prefix>-<serviceAccount>` and `<prefix>-<provisionerServiceAccount>`. */
  readonly prefix: string;
  /** Namespace of the application and of the provisioning Job (their service accounts live there). */
  readonly namespace: string;
  /** The application's service account, which its role trusts. */
  readonly serviceAccount: string;
  /** The service account of the Job that creates the database users (gitops/base/provision-users-job.yaml). */
  readonly provisionerServiceAccount: string;
  /** The PostgreSQL user the application logs in as with IAM tokens. @default the service account's name */
  readonly dbUser?: string;
}

/**
 * What the application's pods need to reach Aurora without a password, and what creates the user they log in as:
 * - a role (IRSA or Pod Identity) for the application's service account with `rds-db:connect` for one database user,
 *   and nothing else;
 * - an IRSA role for the provisioning Job's service account that may read the Aurora-managed master secret (and
 *   decrypt it through Secrets Manager): the only principal of the environment's workloads that can;
 * - the kustomize patches the delivery stack's Argo CD Application applies: the non-secret connection settings into
 *   the `web-database` ConfigMap (not a secret: the plan role refreshes nothing encrypted, and nothing here is
 *   confidential) and the master secret's ARN into the provisioning Job's ExternalSecret (known only after apply).
 */
export class ApplicationDatabaseAccess extends Construct {
  readonly role: WorkloadRole;
  readonly provisionerRole: IrsaRole;
  readonly dbUser: string;
  /** For `GitOpsApplicationProps.kustomizePatches`: values only Terraform knows, handed to `gitops/base`. */
  readonly kustomizePatches: readonly KustomizePatch[];

  constructor(scope: Construct, id: string, props: ApplicationDatabaseAccessProps) {
    super(scope, id);
    const { database } = props;
    this.dbUser = props.dbUser ?? props.serviceAccount;
    this.role = workloadRole(this, "Role", props.identity, {
      roleName: applicationRoleName(props.prefix, props.serviceAccount),
      namespace: props.namespace,
      serviceAccount: props.serviceAccount,
      description: `IAM database authentication of ${props.namespace}/${props.serviceAccount} as ${this.dbUser}`,
    });
    database.grantConnect(this.role, this.dbUser);
    // The namespace's SecretStore `database-master` authenticates as this service account: the master password
    // reaches the cluster only for the Job that creates the users, never through the application's role.
    this.provisionerRole = new IrsaRole(this, "ProvisionerRole", {
      oidcProvider: props.identity.oidcProvider,
      roleName: applicationRoleName(props.prefix, props.provisionerServiceAccount),
      namespace: props.namespace,
      serviceAccount: props.provisionerServiceAccount,
      description: `Reads Aurora's master secret for ${props.namespace}/${props.provisionerServiceAccount}, which creates the database users`,
      statements: [
        {
          Sid: "ReadMasterSecret",
          Effect: "Allow",
          Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
          Resource: database.masterUserSecretArn,
        },
        ...database.key.grantDecryptThrough("secretsmanager", "DecryptMasterSecretThroughSecretsManager").statements,
      ],
    });
    this.kustomizePatches = databaseKustomizePatches({
      writerEndpoint: database.writerEndpoint,
      readerEndpoint: database.readerEndpoint,
      port: database.port,
      masterSecretArn: database.masterUserSecretArn,
    });
  }
}
