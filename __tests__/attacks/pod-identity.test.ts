import { evaluate, IamRequest, PolicyDocumentJson } from "../../constructs/policy/iam-evaluator";
import { PodIdentityRole } from "../../constructs/iam/pod-identity-role";
import { POD_IDENTITY_PRINCIPAL } from "../../constructs/iam/pod-identity-role";
import { documentJson } from "../../tools/contracts/checks/effective-permissions";
import { parsePolicy, resourcesOfType } from "../../tools/contracts/terraform";
import { TEST_LOCATION, testStack } from "../support/environments";
import { resourcesOf, synthStack } from "../support/synth";
import { arnsOf, breaches, decide, inRegion, Layout, layout, LAYOUTS, principalsOf, roleTrust } from "./layouts";

/**
 * EKS Pod Identity attacked: an environment's principals may associate only their own bounded roles with their own
 * cluster, and a Pod Identity role's trust admits EKS Pod Identity only for its own cluster, namespace and service
 * account (the session tags EKS sets are the request context, as STS evaluates them).
 */

type Context = Record<string, string>;

/** The request EKS Pod Identity makes to assume `role` (and tag the session) for a pod with these session tags. */
function podIdentityRequests(roleArn: string, context: Context): IamRequest[] {
  return ["sts:AssumeRole", "sts:TagSession"].map((action) => ({
    action,
    resource: roleArn,
    principal: { type: "Service", id: POD_IDENTITY_PRINCIPAL },
    context,
  }));
}

/** The context a trust statement of EKS Pod Identity admits: its own StringEquals values (tokens stay as they are). */
function admittedContext(trust: PolicyDocumentJson): Context | undefined {
  const statement = trust.Statement.find((candidate) => JSON.stringify(candidate.Principal ?? {}).includes(POD_IDENTITY_PRINCIPAL));
  if (!statement) return undefined;
  return Object.fromEntries(Object.entries(statement.Condition?.StringEquals ?? {}).map(([key, value]) => [key, String(value)]));
}

/** Every way a pod of another cluster, namespace, service account or account asks, with what it changes. */
function impostors(legit: Context, otherClusterArn: string): [string, Context][] {
  return [
    ["a pod of another namespace", { ...legit, "aws:RequestTag/kubernetes-namespace": "attacker" }],
    ["another service account of its namespace", { ...legit, "aws:RequestTag/kubernetes-service-account": "default" }],
    ["another cluster", { ...legit, "aws:SourceArn": otherClusterArn, "aws:RequestTag/eks-cluster-arn": otherClusterArn }],
    ["another cluster claiming this one's tag", { ...legit, "aws:SourceArn": otherClusterArn }],
    ["another account", { ...legit, "aws:SourceAccount": "999999999999" }],
    ["a session without EKS's tags (disable_session_tags)", { "aws:SourceAccount": legit["aws:SourceAccount"], "aws:SourceArn": legit["aws:SourceArn"] }],
  ];
}

function expectOnlyItsOwnPods(roleArn: string, trust: PolicyDocumentJson, otherClusterArn: string): void {
  const legit = admittedContext(trust)!;
  expect(podIdentityRequests(roleArn, legit).map((request) => evaluate(request, [trust]))).toEqual(["allowed", "allowed"]);
  for (const [who, context] of impostors(legit, otherClusterArn)) {
    expect({ who, decisions: podIdentityRequests(roleArn, context).map((request) => evaluate(request, [trust])) }).toEqual({
      who,
      decisions: ["implicit-deny", "implicit-deny"],
    });
  }
}

describe("a Pod Identity role's trust", () => {
  const stack = testStack(TEST_LOCATION, "pod-identity-trust");
  const cluster = { name: "shop-test", arn: `arn:aws:eks:${TEST_LOCATION.region}:${TEST_LOCATION.accountId}:cluster/shop-test` };
  new PodIdentityRole(stack, "Role", { roleName: "shop-test-external-dns", namespace: "external-dns", serviceAccount: "external-dns", cluster });
  const [role] = Object.values(resourcesOf(synthStack(stack), "aws_iam_role"));
  const trust = documentJson(parsePolicy(role.assume_role_policy) ?? []);
  const roleArn = `arn:aws:iam::${TEST_LOCATION.accountId}:role/shop-test-external-dns`;

  it("admits EKS Pod Identity for its cluster, namespace and service account only", () => {
    expect(admittedContext(trust)).toEqual({
      "aws:SourceAccount": TEST_LOCATION.accountId,
      "aws:SourceArn": cluster.arn,
      "aws:RequestTag/eks-cluster-arn": cluster.arn,
      "aws:RequestTag/kubernetes-namespace": "external-dns",
      "aws:RequestTag/kubernetes-service-account": "external-dns",
    });
    expectOnlyItsOwnPods(roleArn, trust, cluster.arn.replace(/shop-test$/, "shop-prod"));
  });

  it("admits no web identity token and no other service principal", () => {
    const legit = admittedContext(trust)!;
    expect(evaluate({ action: "sts:AssumeRoleWithWebIdentity", resource: roleArn, principal: { type: "Federated", id: "*" } }, [trust])).toBe("implicit-deny");
    expect(evaluate({ action: "sts:AssumeRole", resource: roleArn, principal: { type: "Service", id: "ec2.amazonaws.com" }, context: legit }, [trust])).toBe(
      "implicit-deny",
    );
  });
});

// The environments of an attacked pair (layouts.ts); none when the config under test has none (attacks.test.ts says why).
if (LAYOUTS.length > 0)
  describe.each(LAYOUTS)("Pod Identity in the %s layout", (name) => {
    const built = (): Layout => layout(name);
    const clusterArn = (environment: Layout["lower"]) => arnsOf(environment).regional("eks", `cluster/${environment.prefix}`);

    it("every Pod Identity role of either environment admits only its own pods", () => {
      const current = built();
      const roles = resourcesOfType(current.stacks, "aws_iam_role").filter((role) => String(role.values.assume_role_policy).includes(POD_IDENTITY_PRINCIPAL));
      const expected = [current.lower, current.higher].some((environment) => environment.cluster.workloadIdentity === "pod-identity");
      expect(roles.length > 0).toBe(expected);
      for (const role of roles) {
        const environment = [current.lower, current.higher].find((candidate) => String(role.values.name).startsWith(`${candidate.prefix}-`))!;
        const other = environment === current.lower ? current.higher : current.lower;
        const roleName = String(role.values.name);
        expectOnlyItsOwnPods(arnsOf(environment).iam(`role/${roleName}`), roleTrust(current, roleName), clusterArn(other));
      }
    });

    it.each(["lower", "higher"] as const)("the %s environment's deploy role associates its own bounded roles with its own cluster", (which) => {
      const current = built();
      const environment = current[which];
      const { iam, regional, prefix } = arnsOf(environment);
      const deploy = principalsOf(current, environment).find((principal) => principal.label === "deploy role")!;
      const own = { "aws:ResourceTag/environment": environment.name };
      const requests: [string, IamRequest][] = [
        ["create an association on its cluster", inRegion(environment, "eks:CreatePodIdentityAssociation", clusterArn(environment), own)],
        ["list its cluster's associations", inRegion(environment, "eks:ListPodIdentityAssociations", clusterArn(environment), own)],
        ...(["Describe", "Update", "Delete"] as const).map((verb): [string, IamRequest] => [
          `${verb.toLowerCase()} one of its associations`,
          inRegion(environment, `eks:${verb}PodIdentityAssociation`, regional("eks", `podidentityassociation/${prefix}/a-0123456789abcdef0`)),
        ]),
        [
          "pass a role of its add-ons to Pod Identity",
          { action: "iam:PassRole", resource: iam(`role/${prefix}-external-dns`), context: { "iam:PassedToService": POD_IDENTITY_PRINCIPAL } },
        ],
      ];
      expect(requests.filter(([, request]) => decide(deploy, request) !== "allowed").map(([what]) => what)).toEqual([]);
    });

    it.each([
      ["lower", "higher"],
      ["higher", "lower"],
    ] as const)("no principal of the %s environment associates a role with the %s one's cluster or a role it must not pass", (fromName, toName) => {
      const current = built();
      const [from, to] = [current[fromName], current[toName]];
      const own = arnsOf(from);
      const target = arnsOf(to);
      const pass = (roleArn: string) => ({ action: "iam:PassRole", resource: roleArn, context: { "iam:PassedToService": POD_IDENTITY_PRINCIPAL } });
      const attacks: [string, IamRequest][] = [
        [
          "create an association on the other cluster",
          inRegion(from, "eks:CreatePodIdentityAssociation", clusterArn(to), { "aws:ResourceTag/environment": to.name }),
        ],
        // EKS does not tag associations: only their ARN tells the other cluster's apart.
        [
          "repoint one of the other cluster's associations",
          inRegion(from, "eks:UpdatePodIdentityAssociation", target.regional("eks", `podidentityassociation/${to.prefix}/a-1`)),
        ],
        [
          "delete one of the other cluster's associations",
          inRegion(from, "eks:DeletePodIdentityAssociation", target.regional("eks", `podidentityassociation/${to.prefix}/a-1`)),
        ],
        ["pass a role of the other environment to Pod Identity", pass(target.iam(`role/${to.prefix}-external-dns`))],
        ["pass its own deploy role (no boundary) to Pod Identity", pass(own.iam(`role/${from.prefix}-deploy`))],
        ["pass its own plan role (no boundary) to Pod Identity", pass(own.iam(`role/${from.prefix}-plan`))],
        ["pass a role outside the environment (no boundary) to Pod Identity", pass(own.iam("role/platform-admins"))],
      ];
      const allowed = breaches(principalsOf(current, from), attacks);
      expect(allowed).toEqual([]);
    });
  });
