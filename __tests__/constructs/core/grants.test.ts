import { EksAccessEntry } from "@cdktf/provider-aws/lib/eks-access-entry";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KmsKey as KmsKeyResource } from "@cdktf/provider-aws/lib/kms-key";
import { Grant, iamRoleGrantee, principalGrantee } from "../../../constructs/core/grants";
import { IrsaRole } from "../../../constructs/iam/irsa-role";
import { KmsKey } from "../../../constructs/security/kms-key";
import { testControlPlane } from "../../support/cluster-fixtures";
import { databaseIn } from "../../support/data";
import { testStack } from "../../support/environments";
import { onlyResource, policyOf, resourcesOf, synthStack } from "../../support/synth";

/** The statements of the policy a grant was attached to, as synthesized (the construct's resolved `policy`). */
function attachedPolicy(stack: Parameters<typeof synthStack>[0], grant: Grant, type: string): { Statement: Record<string, unknown>[] } {
  const attached = grant.attachedTo as IamRolePolicy;
  return policyOf(resourcesOf(synthStack(stack), type)[attached.friendlyUniqueId]);
}

describe("one grant shape: a grantee in, the statements and where they were attached out", () => {
  it("KmsKey: key-policy grants are attached to the key and are its policy's statements; identity grants are left to the caller", () => {
    const stack = testStack();
    const key = new KmsKey(stack, "Key", { description: "test" });
    const service = key.grantService("logs.eu-central-1.amazonaws.com", "Logs", ["kms:Decrypt*"], {
      ArnLike: { "kms:EncryptionContext:aws:logs:arn": "arn:x" },
    });
    const principal = key.grantPrincipal(principalGrantee("arn:aws:iam::123456789012:role/x"), "AutoScaling", ["kms:Decrypt"]);
    expect([service.attachedTo, principal.attachedTo]).toEqual([key.key, key.key]);
    expect(key.key).toBeInstanceOf(KmsKeyResource);
    const [, ...granted] = policyOf(onlyResource(synthStack(stack), "aws_kms_key")).Statement;
    expect(granted).toEqual([...service.statements, ...principal.statements]);
    const identity = [key.grantIdentity("Use", ["kms:Decrypt"]), key.grantDecryptThrough("secretsmanager", "Read")];
    expect(identity.map((grant) => [grant.attachedTo, grant.statements.length])).toEqual([
      [undefined, 1],
      [undefined, 1],
    ]);
  });

  it("KmsKey has no grant of another shape left (the old statement-returning names are gone)", () => {
    const key = new KmsKey(testStack(), "Key", { description: "test" }) as unknown as Record<string, unknown>;
    for (const old of ["grantToService", "grantToPrincipal", "grantUse", "grantDecryptVia"]) expect(key[old]).toBeUndefined();
  });

  it("AuroraPostgres.grantConnect: the role policy it creates beside the grantee holds exactly the statement it returns", () => {
    const stack = testStack();
    const database = databaseIn(stack);
    const irsa = new IrsaRole(stack, "App", {
      oidcProvider: { arn: "arn:aws:iam::123456789012:oidc-provider/oidc.example", issuer: "oidc.example" },
      roleName: "shop-test-app",
      namespace: "shop",
      serviceAccount: "api",
    });
    const job = new IamRole(stack, "Job", { name: "shop-test-job", assumeRolePolicy: "{}" });
    for (const [grantee, grant] of [
      [irsa, database.grantConnect(irsa, "app_api")],
      [iamRoleGrantee(job), database.grantConnect(job, "reporting")],
    ] as const) {
      expect(grant.attachedTo).toBeInstanceOf(IamRolePolicy);
      expect(grant.attachedTo!.node.scope).toBe(grantee.grantScope);
      const synthesized = attachedPolicy(stack, grant, "aws_iam_role_policy").Statement;
      expect(synthesized).toEqual(grant.statements.map(({ Effect, Action }) => expect.objectContaining({ Effect, Action })));
    }
  });

  it("EksControlPlane.grantAccess: an IGrantee gets an access entry, which the grant names; the same access twice is one grant", () => {
    const stack = testStack();
    const controlPlane = testControlPlane(stack);
    const deploy = principalGrantee("arn:aws:iam::123456789012:role/deploy");
    const grant = controlPlane.grantAccess(deploy, "admin", "deploy");
    expect(grant.statements).toEqual([]);
    expect(grant.attachedTo).toBeInstanceOf(EksAccessEntry);
    expect(controlPlane.grantAccess("arn:aws:iam::123456789012:role/deploy", "admin").attachedTo).toBe(grant.attachedTo);
    const entry = resourcesOf(synthStack(stack), "aws_eks_access_entry")[(grant.attachedTo as EksAccessEntry).friendlyUniqueId];
    expect(entry).toEqual(expect.objectContaining({ principal_arn: deploy.grantPrincipalArn }));
  });
});
