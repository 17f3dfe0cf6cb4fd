import { Construct } from "constructs";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { AwsScope } from "../core/aws-scope";
import { PolicyStatement } from "../iam/policy-document";
import { IrsaRole, OidcProviderRef } from "../iam/irsa-role";
import { secretRecoveryWindowDays } from "../security/secret-lifecycle";
import { KmsKey } from "../security/kms-key";
import type { KubernetesObject } from "./add-on";

/** Name of the SecretStore in every namespace that reads Secrets Manager (the app's, in `gitops/base`, too). */
export const SECRET_STORE = "aws-secrets-manager";
/** The ServiceAccount each namespace's SecretStore authenticates as (its IRSA role grants that namespace's secrets). */
export const SECRET_STORE_SERVICE_ACCOUNT = "secret-store";
/** Tag of a Secrets Manager container whose value only the user can put; `npm run preflight` lists the empty ones. */
export const USER_SUPPLIED_TAG = "platform:user-supplied";
/** External Secrets' AWS provider only pushes into a secret that carries this tag (it will not overwrite others). */
const MANAGED_BY_EXTERNAL_SECRETS = { "managed-by": "external-secrets" };

export type SecretOrigin = "user-supplied" | "generated";

export interface SecretStoresProps {
  /** The cluster's OIDC provider: each namespace's secrets role trusts that namespace's service account through it. */
  readonly oidcProvider: OidcProviderRef;
  /** `<project>-<env>`: roles are `<prefix>-secrets-<namespace>`. */
  readonly prefix: string;
  /** Production keeps a 7-day recovery window on every secret; other tiers none, so a recreate can reuse the names. */
  readonly production: boolean;
}

interface NamespaceAccess {
  readonly read: Set<string>;
  readonly write: Set<string>;
}

/**
 * The platform's Secrets Manager secrets and who may read them. Every secret a platform object reads is created here
 * (user-supplied ones as empty containers, generated ones filled by a PushSecret), encrypted with one KMS key, and each
 * consuming namespace gets its own SecretStore whose IRSA role may read exactly that namespace's secrets: an
 * ExternalSecret in one namespace cannot pull another's (one ClusterSecretStore would let any namespace read all).
 */
export class SecretStores extends Construct {
  readonly key: KmsKey;
  /** Each secret by its Secrets Manager name. */
  readonly secrets = new Map<string, { readonly secret: SecretsmanagerSecret; readonly origin: SecretOrigin }>();
  /** Each namespace's store role, once `finish()` ran. */
  readonly roles = new Map<string, IrsaRole>();
  private readonly access = new Map<string, NamespaceAccess>();

  constructor(
    scope: Construct,
    id: string,
    private readonly props: SecretStoresProps,
  ) {
    super(scope, id);
    this.key = new KmsKey(this, "Key", {
      description: `Encrypts the platform's Secrets Manager secrets of ${props.prefix}`,
      alias: `${props.prefix}-platform-secrets`,
    });
  }

  /** Declares that objects in `namespace` read `secretName`, creating its container on first use. */
  read(namespace: string, secretName: string, origin: SecretOrigin, description: string): void {
    this.container(secretName, origin, description);
    this.namespace(namespace).read.add(secretName);
  }

  /** Declares that a PushSecret in `namespace` writes the generated `secretName` (and may read it back to compare). */
  write(namespace: string, secretName: string, description: string): void {
    this.read(namespace, secretName, "generated", description);
    this.namespace(namespace).write.add(secretName);
  }

  /** Creates each namespace's store role; call once every read and write is declared. */
  finish(): void {
    for (const [namespace, access] of this.access) {
      const arns = (names: Set<string>) => [...names].map((name) => this.secrets.get(name)!.secret.arn);
      const viaSecretsManager = { StringEquals: { "kms:ViaService": `secretsmanager.${AwsScope.of(this).region}.amazonaws.com` } };
      const statements: PolicyStatement[] = [
        {
          Sid: "ReadThisNamespacesSecrets",
          Effect: "Allow",
          Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
          Resource: arns(access.read),
        },
        { Sid: "DecryptThroughSecretsManager", Effect: "Allow", Action: "kms:Decrypt", Resource: this.key.arn, Condition: viaSecretsManager },
      ];
      if (access.write.size > 0) {
        statements.push(
          {
            Sid: "WriteGeneratedSecrets",
            Effect: "Allow",
            // The AWS provider's push (external-secrets v2.9.0 providers/v1/aws/secretsmanager PushSecret) calls
            // DeleteResourcePolicy on every put when the PushSecret sets no resourcePolicy; without it nothing is written.
            Action: ["secretsmanager:PutSecretValue", "secretsmanager:DeleteResourcePolicy"],
            Resource: arns(access.write),
          },
          { Sid: "EncryptThroughSecretsManager", Effect: "Allow", Action: "kms:GenerateDataKey", Resource: this.key.arn, Condition: viaSecretsManager },
        );
      }
      // IRSA whatever cluster.workloadIdentity says: external-secrets exchanges this account's token for the role
      // itself (serviceAccountRef, AssumeRoleWithWebIdentity), which Pod Identity cannot serve (external-secrets#2951).
      this.roles.set(
        namespace,
        new IrsaRole(this, `Store-${namespace}`, {
          oidcProvider: this.props.oidcProvider,
          roleName: `${this.props.prefix}-secrets-${namespace}`,
          namespace,
          serviceAccount: SECRET_STORE_SERVICE_ACCOUNT,
          statements,
          description: `SecretStore of namespace ${namespace}: reads only the Secrets Manager secrets delivered there`,
        }),
      );
    }
  }

  /** The ServiceAccount and SecretStore of each namespace (after `finish()`). */
  objects(): KubernetesObject[] {
    return [...this.roles.entries()].flatMap(([namespace, role]) => [
      {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: SECRET_STORE_SERVICE_ACCOUNT, namespace, annotations: role.serviceAccountAnnotations },
        // Only the External Secrets controller uses it, through the TokenRequest API; no pod mounts its token.
        automountServiceAccountToken: false,
      },
      secretStoreObject(namespace, AwsScope.of(this).region, SECRET_STORE_SERVICE_ACCOUNT),
    ]);
  }

  private namespace(name: string): NamespaceAccess {
    let access = this.access.get(name);
    if (!access) {
      access = { read: new Set(), write: new Set() };
      this.access.set(name, access);
    }
    return access;
  }

  private container(secretName: string, origin: SecretOrigin, description: string): void {
    const existing = this.secrets.get(secretName);
    if (existing) {
      if (existing.origin !== origin) throw new Error(`secret ${secretName} is both ${existing.origin} and ${origin}`);
      return;
    }
    const secret = new SecretsmanagerSecret(this, `Secret-${secretName}`, {
      name: secretName,
      description,
      kmsKeyId: this.key.arn,
      recoveryWindowInDays: secretRecoveryWindowDays(this.props.production),
      // No version here: a user-supplied value is put by its owner, a generated one by its PushSecret, so no value is
      // ever in Terraform state.
      tags: origin === "user-supplied" ? { [USER_SUPPLIED_TAG]: "true" } : { [USER_SUPPLIED_TAG]: "false", ...MANAGED_BY_EXTERNAL_SECRETS },
    });
    this.secrets.set(secretName, { secret, origin });
  }
}

/** A SecretStore for Secrets Manager that authenticates as `serviceAccount` of its own namespace (IRSA through TokenRequest). */
export function secretStoreObject(namespace: string, region: string, serviceAccount: string): KubernetesObject {
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "SecretStore",
    metadata: { name: SECRET_STORE, namespace },
    spec: { provider: { aws: { service: "SecretsManager", region, auth: { jwt: { serviceAccountRef: { name: serviceAccount } } } } } },
  };
}
