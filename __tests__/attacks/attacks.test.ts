import { evaluate } from "../../constructs/policy/iam-evaluator";
import { GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST } from "../../constructs/iam/github-oidc";
import { resourcesOfType } from "../../tools/contracts/terraform";
import { attackedPair, breaches, decide, foreignTrusts, inRegion, Layout, layout, LAYOUTS, principalsOf, roleIdentity, roleTrust, arnsOf } from "./layouts";
import { bootstrapStacks } from "../../main";
import { committedEnvironments, hasPipelines, shippedEnvironments, testApp } from "../support/environments";
import { resourcesOf, synthStack } from "../support/synth";
import { accountWide, crossEnvironment, deployments, escalations, outOfRegion, Path, savedPlan, stateOf } from "./paths";

/**
 * The attack suite: every escalation and cross-environment path the reviews found, tried with the project's IAM
 * evaluator on the synthesized policies and trust documents of both account layouts, as every principal of the
 * attacking environment. Every path must be refused; what the environments need must stay allowed.
 */
describe("the environments attacked", () => {
  it("are a development environment GitHub Actions deploys and a production one, which the repository's own config has", () => {
    expect(attackedPair(committedEnvironments())).toBeDefined();
    expect(LAYOUTS).toEqual(attackedPair(shippedEnvironments()) ? ["per-account", "shared-account"] : []);
  });

  it("are absent only where no development environment has a principal to attack with: none has a pipeline role", () => {
    const environments = shippedEnvironments();
    const development = environments.filter((environment) => environment.tier === "development");
    expect(development.length).toBeGreaterThan(0);
    if (LAYOUTS.length > 0) return;
    // The config under test deploys no development environment from GitHub: its accounts' bootstrap stacks hold no role of one.
    expect(development.filter(hasPipelines)).toEqual([]);
    const roles = bootstrapStacks(testApp(), environments, environments).flatMap((stack) =>
      Object.values(resourcesOf(synthStack(stack), "aws_iam_role")).map((role) => String(role.name)),
    );
    expect(roles.filter((role) => development.some((environment) => role.startsWith(`${environment.prefix}-`)))).toEqual([]);
  });
});

// Without an attacked pair there is nothing to run the attacks between; the test above says why and checks it.
if (LAYOUTS.length > 0)
  describe.each(LAYOUTS)("%s layout", (name) => {
    const built = (): Layout => layout(name);

    describe("escalation beyond the boundary", () => {
      it.each(["lower", "higher"] as const)("no principal of the %s environment escalates", (which) => {
        const current = built();
        const environment = current[which];
        const state = stateOf(current, environment);
        const allowed = breaches(principalsOf(current, environment), [
          ...escalations(environment, state),
          ...accountWide(environment),
          ...outOfRegion(environment),
        ]);
        expect(allowed).toEqual([]);
      });

      it.each(["lower", "higher"] as const)("the %s environment's deploy role can still deploy it", (which) => {
        const current = built();
        const environment = current[which];
        const deploy = principalsOf(current, environment).find((principal) => principal.label === "deploy role")!;
        const refused = deployments(environment, stateOf(current, environment))
          .filter(([, request]) => decide(deploy, request) !== "allowed")
          .map(([what]) => what);
        expect(refused).toEqual([]);
      });
    });

    describe("environments cannot reach each other", () => {
      it.each([
        ["lower", "higher"],
        ["higher", "lower"],
      ] as const)("no principal of the %s environment touches the %s one", (fromName, toName) => {
        const current = built();
        const [from, to] = [current[fromName], current[toName]];
        const paths: Path[] = crossEnvironment(from, to, stateOf(current, to));
        const allowed = breaches(principalsOf(current, from), paths);
        expect(allowed).toEqual([]);
      });
    });

    describe("pull requests see no secrets", () => {
      /** The account's GitHub provider as the trusts name it (a reference to the bootstrap's, or the existing one's ARN). */
      const provider = (environment: Layout["lower"]) => {
        const [statement] = roleTrust(built(), `${environment.prefix}-deploy`).Statement;
        return (statement.Principal as Record<string, string[]>).Federated[0];
      };
      const token = (subject: string, environment: Layout["lower"]) => ({
        action: "sts:AssumeRoleWithWebIdentity",
        resource: arnsOf(environment).iam("role/*"),
        principal: { type: "Federated", id: provider(environment) },
        context: { [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE, [`${GITHUB_OIDC_HOST}:sub`]: subject },
      });
      const repository = (environment: Layout["lower"]) => environment.github!.repository;

      it("a pull request assumes no role of the production environment, and only the pull-request plan role of the development one", () => {
        const current = built();
        const assumable = [current.lower, current.higher].flatMap((environment) =>
          ["deploy", "plan", ...(environment.tier === "development" ? ["pr-plan"] : [])]
            .map((role) => `${environment.prefix}-${role}`)
            .filter((role) => evaluate(token(`repo:${repository(environment)}:pull_request`, environment), [roleTrust(current, role)]) === "allowed"),
        );
        expect(assumable).toEqual([`${current.lower.prefix}-pr-plan`]);
      });

      it("a branch push, another repository's main or a foreign identity provider assumes no role", () => {
        const current = built();
        for (const environment of [current.lower, current.higher]) {
          const roles = ["deploy", "plan"].map((role) => `${environment.prefix}-${role}`);
          for (const [what, request] of [
            ["a feature branch", token(`repo:${repository(environment)}:ref:refs/heads/feature`, environment)],
            ["another repository's main", token(`repo:evil/${repository(environment).split("/")[1]}:ref:refs/heads/main`, environment)],
            [
              "another identity provider",
              {
                ...token(`repo:${repository(environment)}:ref:refs/heads/main`, environment),
                principal: { type: "Federated", id: "arn:aws:iam::999999999999:oidc-provider/evil" },
              },
            ],
          ] as const) {
            for (const role of roles)
              expect({ what, role, decision: evaluate(request, [roleTrust(current, role)]) }).toEqual({ what, role, decision: "implicit-deny" });
          }
        }
        // The plan role of every environment is for the main branch (and only the deploy role for its GitHub environment).
        const main = token(`repo:${repository(current.higher)}:ref:refs/heads/main`, current.higher);
        expect(evaluate(main, [roleTrust(current, `${current.higher.prefix}-plan`)])).toBe("allowed");
        expect(evaluate(main, [roleTrust(current, `${current.higher.prefix}-deploy`)])).toBe("implicit-deny");
      });

      it("the pull-request plan role's cluster access cannot read Secrets, and it cannot write the state", () => {
        const current = built();
        const { lower } = current;
        const prPlan = arnsOf(lower).iam(`role/${lower.prefix}-pr-plan`);
        const entries = resourcesOfType(current.stacks, "aws_eks_access_entry").filter((entry) => entry.values.principal_arn === prPlan);
        const policies = resourcesOfType(current.stacks, "aws_eks_access_policy_association")
          .filter((association) => entries.some((entry) => String(association.values.principal_arn).includes(`aws_eks_access_entry.${entry.name}.`)))
          .map((association) => String(association.values.policy_arn).split("/").pop());
        expect(policies).toEqual(["AmazonEKSViewPolicy"]);
        const state = stateOf(current, lower);
        const identity = [roleIdentity(current, `${lower.prefix}-pr-plan`)];
        const object = `arn:${lower.partition}:s3:::${state.bucket}/${lower.name}/${lower.name}-data.tfstate`;
        expect(evaluate({ action: "s3:PutObject", resource: object }, identity)).toBe("implicit-deny");
        expect(evaluate({ action: "s3:GetObject", resource: object }, identity)).toBe("allowed");
      });
    });

    describe("saved plans (they hold the prior state) are read by the deploy role alone", () => {
      it.each(["lower", "higher"] as const)("no plan role of the %s environment reads its saved plans, and no pull request writes one", (which) => {
        const current = built();
        const environment = current[which];
        const state = stateOf(current, environment);
        const planRoles = principalsOf(current, environment).filter((principal) => principal.label.includes("plan role"));
        const found = planRoles.flatMap((principal) =>
          [
            ["read", "s3:GetObject", savedPlan(environment, state)],
            ["read the record of", "s3:GetObject", savedPlan(environment, state, "plan-meta.json")],
            ["delete", "s3:DeleteObject", savedPlan(environment, state)],
            ...(principal.label === "plan role" ? [] : [["plant", "s3:PutObject", savedPlan(environment, state)]]),
          ]
            .filter(([, action, resource]) => decide(principal, { action, resource }) === "allowed")
            .map(([what]) => `${principal.label}: ${what} a saved plan`),
        );
        expect(found).toEqual([]);
        expect(planRoles.map((principal) => principal.label)).toEqual(["plan role", ...(environment.tier === "development" ? ["pull-request plan role"] : [])]);
      });

      it.each(["lower", "higher"] as const)(
        "the %s environment's main-branch plan role saves its plan, encrypted with the state key through S3 only",
        (which) => {
          const current = built();
          const environment = current[which];
          const state = stateOf(current, environment);
          const plan = principalsOf(current, environment).find((principal) => principal.label === "plan role")!;
          const viaS3 = { "kms:ViaService": `s3.${state.region}.amazonaws.com` };
          expect(decide(plan, { action: "s3:PutObject", resource: savedPlan(environment, state) })).toBe("allowed");
          expect(decide(plan, inRegion(environment, "kms:GenerateDataKey", state.key, viaS3))).toBe("allowed");
          // A data key of its own would let it encrypt anything with the state key, outside S3.
          expect(decide(plan, inRegion(environment, "kms:GenerateDataKey", state.key))).toBe("implicit-deny");
          // The pull-request plan role cannot even encrypt with it.
          for (const principal of principalsOf(current, environment).filter((candidate) => candidate.label === "pull-request plan role"))
            expect(decide(principal, inRegion(environment, "kms:GenerateDataKey", state.key, viaS3))).toBe("implicit-deny");
        },
      );

      it.each(["lower", "higher"] as const)("a plan of the %s environment never applied is gone from its state bucket within a day", (which) => {
        const current = built();
        const environment = current[which];
        const state = resourcesOfType(current.stacks, "aws_s3_bucket").find((candidate) => candidate.values.bucket === stateOf(current, environment).bucket)!;
        const lifecycle = resourcesOfType(current.stacks, "aws_s3_bucket_lifecycle_configuration").find(
          (candidate) => candidate.stack === state.stack && String(candidate.values.bucket).includes(`aws_s3_bucket.${state.name}.`),
        );
        expect(lifecycle?.values.rule).toContainEqual(
          expect.objectContaining({ filter: [{ prefix: "saved-plans/" }], expiration: [{ days: 1 }], noncurrent_version_expiration: [{ noncurrent_days: 1 }] }),
        );
      });
    });

    describe("workload roles", () => {
      it("every role's trust admits only its account, AWS services, and the GitHub and cluster identity providers", () => {
        expect(foreignTrusts(built())).toEqual([]);
      });

      it.each(["lower", "higher"] as const)(
        "a role under the %s environment's boundary still does its work: pulls images, logs in to its database",
        (which) => {
          const current = built();
          const environment = current[which];
          const bounded = principalsOf(current, environment).find((principal) => principal.boundary)!;
          const { regional } = arnsOf(environment);
          // Issue 20: IAM database authentication is the rds-db service, which the boundary left out (rds:* only).
          const dbUser = regional("rds-db", "dbuser:cluster-ABCDEFGHIJKLMNOP/web");
          expect(decide(bounded, inRegion(environment, "rds-db:connect", dbUser))).toBe("allowed");
          expect(decide(bounded, inRegion(environment, "ecr:BatchGetImage", regional("ecr", `repository/${environment.prefix}/web`)))).toBe("allowed");
          expect(decide(bounded, inRegion(environment, "rds-db:connect", dbUser.replace(`:${environment.account.id}:`, ":999999999999:")))).toBe(
            "implicit-deny",
          );
        },
      );

      it("external-dns reads change status, not zones, and changes only the zones it is given (issue 22, scanner)", () => {
        const current = built();
        const role = resourcesOfType(current.stacks, "aws_iam_role").find((candidate) => candidate.values.name === `${current.higher.prefix}-external-dns`);
        if (!role) return; // external-dns is off in this environment's config
        const identity = [roleIdentity(current, String(role.values.name))];
        const { global } = arnsOf(current.higher);
        expect(evaluate(inRegion(current.higher, "route53:GetChange", global("route53", "change/C0123456789")), identity)).toBe("allowed");
        expect(evaluate(inRegion(current.higher, "route53:GetChange", global("route53", "hostedzone/ZOTHER")), identity)).toBe("implicit-deny");
        expect(evaluate(inRegion(current.higher, "route53:ChangeResourceRecordSets", global("route53", "hostedzone/ZOTHER")), identity)).toBe("implicit-deny");
      });
    });
  });

if (LAYOUTS.length > 0)
  describe("the attacks find what they look for", () => {
    it("the old deploy policy (iam:* on its own names, no boundary) escalates", () => {
      const current = layout("shared-account");
      const { iam, prefix } = arnsOf(current.lower);
      const old = { Statement: [{ Effect: "Allow" as const, Action: "iam:*", Resource: [iam(`role/${prefix}-*`), iam(`policy/${prefix}-*`)] }] };
      const state = stateOf(current, current.lower);
      const found = escalations(current.lower, state).filter(([, request]) => evaluate(request, [old]) === "allowed");
      expect(found.map(([attack]) => attack)).toEqual(expect.arrayContaining(["create a role without the boundary", "delete the boundary"]));
    });

    it("saved plans under the state's own prefix would be read by every plan role, a pull request's included", () => {
      const current = layout("shared-account");
      const { lower } = current;
      const underState = `arn:${lower.partition}:s3:::${stateOf(current, lower).bucket}/${lower.name}/saved-plans/${lower.name}-data/tfplan`;
      const readers = principalsOf(current, lower).filter((principal) => decide(principal, { action: "s3:GetObject", resource: underState }) === "allowed");
      expect(readers.map((principal) => principal.label)).toEqual(expect.arrayContaining(["plan role", "pull-request plan role"]));
    });

    it("without the zone and Auto Scaling guards, a shared account lets the lower environment's deploy role at the higher one's DNS and nodes", () => {
      const current = layout("shared-account");
      const deploy = roleIdentity(current, `${current.lower.prefix}-deploy`);
      const unguarded = { Statement: deploy.Statement.filter((statement) => !/Zones|AutoScalingGroups/.test(statement.Sid ?? "")) };
      const paths = crossEnvironment(current.lower, current.higher, stateOf(current, current.higher));
      const found = paths.filter(([, request]) => evaluate(request, [unguarded]) === "allowed").map(([attack]) => attack);
      expect(found).toEqual(expect.arrayContaining(["change the other environment's DNS records", "scale the other cluster's Auto Scaling group to zero"]));
    });
  });
