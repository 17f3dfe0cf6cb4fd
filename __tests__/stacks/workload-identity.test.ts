import { shippedEnvironments } from "../support/environments";
import { Json, synthPlatform } from "../support/platform";

const ROLE_ARN = "eks.amazonaws.com/role-arn";

/** Every role-arn annotation under `value`, by the path it sits at. */
function roleAnnotations(value: unknown, at = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => roleAnnotations(item, `${at}[${index}]`));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value as Json).flatMap(([key, item]) => (key === ROLE_ARN ? [at] : roleAnnotations(item, at ? `${at}.${key}` : key)));
}

/**
 * The platform's service accounts follow the environment's workload identity: with IRSA each add-on role's account
 * carries the role-arn annotation; with Pod Identity none does (the web-identity variables would win in the SDK chain)
 * and each role is bound by one association instead. The namespaces' SecretStore accounts keep IRSA either way:
 * external-secrets exchanges their token itself (`serviceAccountRef`), which Pod Identity cannot serve.
 */
describe.each(shippedEnvironments().map((environment) => [environment.name, environment] as const))("the platform of %s", (_, environment) => {
  const platform = synthPlatform(environment);
  const podIdentity = environment.cluster.workloadIdentity === "pod-identity";
  const releases = Object.keys(platform.releases).filter((name) => name !== "platform-secrets");
  const annotated = releases.flatMap((name) => roleAnnotations(platform.values(name)).map((at) => `${name}: ${at}`));
  const roles = platform.resources("aws_iam_role").filter((role) => !String(role.name).startsWith(`${environment.prefix}-secrets-`));
  const podRoles = roles.filter((role) => String(role.assume_role_policy).includes("pods.eks.amazonaws.com"));
  const associations = platform.resources("aws_eks_pod_identity_association");

  it(
    podIdentity
      ? "binds every add-on role with an association and annotates no release's service account"
      : "annotates the add-ons' service accounts with their IRSA roles",
    () => {
      if (podIdentity) {
        expect(annotated).toEqual([]);
        expect(podRoles.map((role) => role.name).sort()).toEqual(roles.map((role) => role.name).sort());
        expect(associations.map((association) => association.role_arn).sort()).toEqual(
          Object.entries(platform.stack.resource!.aws_iam_role as Record<string, Json>)
            .filter(([, role]) => podRoles.includes(role))
            .map(([id]) => `\${aws_iam_role.${id}.arn}`)
            .sort(),
        );
        for (const association of associations) expect(association.cluster_name).toBe(environment.prefix);
      } else {
        expect(annotated.length).toBeGreaterThan(0);
        expect(podRoles).toEqual([]);
        expect(associations).toEqual([]);
      }
    },
  );

  it("keeps IRSA for the namespaces' SecretStore accounts", () => {
    const stores = platform.resources("aws_iam_role").filter((role) => String(role.name).startsWith(`${environment.prefix}-secrets-`));
    for (const store of stores) expect(String(store.assume_role_policy)).toContain("sts:AssumeRoleWithWebIdentity");
  });
});
