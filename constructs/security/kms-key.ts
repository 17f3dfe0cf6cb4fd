import { Construct } from "constructs";
import { Lazy } from "cdktf";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey as KmsKeyResource } from "@cdktf/provider-aws/lib/kms-key";
import { accountRootArn, AwsScope } from "../core/aws-scope";
import { Grant, IGrantee } from "../core/grants";
import { policyDocument, PolicyStatement } from "../iam/policy-document";

export interface KmsKeyProps {
  /** What the key protects; shown in the console. */
  readonly description: string;
  /** Alias name without the `alias/` prefix. @default no alias */
  readonly alias?: string;
  /** Days before a scheduled deletion completes. @default 30 (the longest window: a mistaken destroy can be undone) */
  readonly deletionWindowInDays?: number;
}

/**
 * A customer managed KMS key with yearly rotation. The key policy delegates to IAM in this account (so access is
 * managed by identity policies) and services are added with `grantService`, always with conditions.
 */
export class KmsKey extends Construct {
  readonly key: KmsKeyResource;
  readonly arn: string;
  readonly aliasArn?: string;
  private readonly statements: PolicyStatement[];

  constructor(scope: Construct, id: string, props: KmsKeyProps) {
    super(scope, id);
    this.statements = [
      {
        Sid: "EnableIamPoliciesOfThisAccount",
        Effect: "Allow",
        Principal: { AWS: accountRootArn(this) },
        Action: "kms:*",
        Resource: "*",
      },
    ];
    this.key = new KmsKeyResource(this, "Key", {
      description: props.description,
      enableKeyRotation: true,
      rotationPeriodInDays: 365,
      deletionWindowInDays: props.deletionWindowInDays ?? 30,
      policy: Lazy.stringValue({ produce: () => policyDocument(this.statements) }),
    });
    this.arn = this.key.arn;
    if (props.alias) {
      const alias = new KmsAlias(this, "Alias", { name: `alias/${props.alias}`, targetKeyId: this.key.keyId });
      this.aliasArn = alias.arn;
    }
  }

  /**
   * Lets an AWS service use the key on this account's behalf, through the key policy. `conditions` must pin the use
   * down (encryption context, source account or ARN): a service grant without conditions would let any account's use
   * of the service in. Returns the statement, attached to the key.
   */
  grantService(service: string, sid: string, actions: string[], conditions: NonNullable<PolicyStatement["Condition"]>): Grant {
    return this.addToPolicy({ Sid: sid, Effect: "Allow", Principal: { Service: service }, Action: actions, Resource: "*", Condition: conditions });
  }

  /**
   * Lets one IAM principal of this account use the key through its key policy, for principals whose identity policies
   * cannot be changed (service-linked roles such as AWSServiceRoleForAutoScaling). `conditions` narrow it further.
   * Returns the statement, attached to the key.
   */
  grantPrincipal(grantee: IGrantee, sid: string, actions: string[], conditions?: PolicyStatement["Condition"]): Grant {
    return this.addToPolicy({
      Sid: sid,
      Effect: "Allow",
      Principal: { AWS: grantee.grantPrincipalArn },
      Action: actions,
      Resource: "*",
      ...(conditions ? { Condition: conditions } : {}),
    });
  }

  /**
   * The identity-policy statement that lets a principal of this account use the key for `actions`: the key policy
   * delegates to IAM, so this statement in the principal's policy is the whole grant. `conditions` narrow it. Returns
   * the statement unattached: the caller puts it in the grantee's policy.
   */
  grantIdentity(sid: string, actions: string | string[], conditions?: PolicyStatement["Condition"]): Grant {
    return { statements: [{ Sid: sid, Effect: "Allow", Action: actions, Resource: this.arn, ...(conditions ? { Condition: conditions } : {}) }] };
  }

  /**
   * {@link grantIdentity} of `kms:Decrypt` only through `service` in the key's region (`kms:ViaService`), for a
   * principal that reads what the service encrypted (a Secrets Manager secret) and must not decrypt anything else.
   */
  grantDecryptThrough(service: string, sid: string): Grant {
    return this.grantIdentity(sid, "kms:Decrypt", { StringEquals: { "kms:ViaService": `${service}.${AwsScope.of(this).region}.amazonaws.com` } });
  }

  private addToPolicy(statement: PolicyStatement): Grant {
    this.statements.push(statement);
    return { statements: [statement], attachedTo: this.key };
  }
}
