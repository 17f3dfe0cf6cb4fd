import { evaluate } from "../../constructs/policy/iam-evaluator";
import type { EnvironmentConfig } from "../../config";
import {
  arnsOf,
  ATTACKED_ORGANIZATION,
  breaches,
  decide,
  foreignTrusts,
  Layout,
  layout,
  LAYOUTS,
  pipelineRolesOf,
  principalsOf,
  roleTrust,
  runnerOf,
} from "./layouts";
import { accountWide, crossEnvironment, deployments, escalations, outOfRegion, Path, stateOf, terraformCloudRoleNames } from "./paths";

/**
 * The attack suite against the roles of Terraform Cloud's runs (dynamic provider credentials): the same environments
 * and account layouts as attacks.test.ts, with `state.backend: cloud`. Every escalation and cross-environment path is
 * tried as the `-tfc-apply` and `-tfc-plan` roles and any role under the environment's boundary; their trust is tried
 * with tokens of the environment's own workspaces, of other projects, organizations and environments, and of the other
 * run phase. (Without an attacked pair attacks.test.ts says why there is nothing to attack.)
 */
const HOST = "app.terraform.io";

if (LAYOUTS.length > 0)
  describe.each(LAYOUTS)("Terraform Cloud, %s layout", (name) => {
    const built = (): Layout => layout(name, "terraform-cloud");

    it("synthesizes the -tfc- roles and no GitHub role or S3 state for the attacked environments", () => {
      const current = built();
      for (const environment of [current.lower, current.higher]) {
        expect(environment.state.backend).toBe("cloud");
        expect(pipelineRolesOf(current, environment).map(({ name: role }) => roleTrust(current, role).Statement.length)).toEqual([1, 1]);
        expect(() => roleTrust(current, `${environment.prefix}-deploy`)).toThrow(/no role/);
      }
    });

    describe("escalation beyond the boundary", () => {
      it.each(["lower", "higher"] as const)("no principal of the %s environment escalates", (which) => {
        const current = built();
        const environment = current[which];
        const paths = [...escalations(environment, undefined, terraformCloudRoleNames(environment)), ...accountWide(environment), ...outOfRegion(environment)];
        const allowed = breaches(principalsOf(current, environment), paths);
        expect(allowed).toEqual([]);
      });

      it.each(["lower", "higher"] as const)("the %s environment's apply role can still deploy it", (which) => {
        const current = built();
        const environment = current[which];
        const [apply] = principalsOf(current, environment);
        expect(apply.label).toBe("Terraform Cloud apply role");
        const refused = deployments(environment, undefined)
          .filter(([, request]) => decide(apply, request) !== "allowed")
          .map(([what]) => what);
        expect(refused).toEqual([]);
      });
    });

    it.each([
      ["lower", "higher"],
      ["higher", "lower"],
    ] as const)("no principal of the %s environment touches the %s one", (fromName, toName) => {
      const current = built();
      const [from, to] = [current[fromName], current[toName]];
      const paths: Path[] = crossEnvironment(from, to, undefined);
      const allowed = breaches(principalsOf(current, from), paths);
      expect(allowed).toEqual([]);
    });

    describe("trust: runs of the environment's own workspaces, in their own phase", () => {
      /** The account's Terraform Cloud provider as the trusts name it. */
      const provider = (environment: EnvironmentConfig) => {
        const [statement] = roleTrust(built(), `${environment.prefix}-tfc-apply`).Statement;
        return (statement.Principal as Record<string, string[]>).Federated[0];
      };
      const subject = (organization: string, project: string, workspace: string, phase: string) =>
        `organization:${organization}:project:${project}:workspace:${workspace}:run_phase:${phase}`;
      const token = (environment: EnvironmentConfig, sub: string, audience = "aws.workload.identity") => ({
        action: "sts:AssumeRoleWithWebIdentity",
        resource: arnsOf(environment).iam("role/*"),
        principal: { type: "Federated", id: provider(environment) },
        context: { [`${HOST}:aud`]: audience, [`${HOST}:sub`]: sub },
      });
      /** The environment's workspaces: one per stack, named after it (no workspace prefix); its project is `<prefix>`. */
      const workspacesOf = (environment: EnvironmentConfig) => Object.keys(built().stacks).filter((stack) => stack.startsWith(`${environment.name}-`));
      const roles = (environment: EnvironmentConfig) => [`${environment.prefix}-tfc-apply`, `${environment.prefix}-tfc-plan`];
      const assumable = (environment: EnvironmentConfig, request: ReturnType<typeof token>) =>
        roles(environment).filter((role) => evaluate(request, [roleTrust(built(), role)]) === "allowed");

      it.each(["lower", "higher"] as const)("each workspace of the %s environment assumes the apply role to apply and the plan role to plan", (which) => {
        const environment = built()[which];
        const workspaces = workspacesOf(environment);
        expect(workspaces.length).toBeGreaterThanOrEqual(5);
        for (const workspace of workspaces) {
          const own = (phase: string) => token(environment, subject(ATTACKED_ORGANIZATION, environment.prefix, workspace, phase));
          expect({ workspace, apply: assumable(environment, own("apply")), plan: assumable(environment, own("plan")) }).toEqual({
            workspace,
            apply: [`${environment.prefix}-tfc-apply`],
            plan: [`${environment.prefix}-tfc-plan`],
          });
        }
      });

      it.each(["lower", "higher"] as const)("no other run assumes a role of the %s environment", (which) => {
        const current = built();
        const environment = current[which];
        const other = environment === current.lower ? current.higher : current.lower;
        const [workspace] = workspacesOf(environment);
        const [otherWorkspace] = workspacesOf(other);
        const attempts: [string, ReturnType<typeof token>][] = [
          ["a workspace of another organization", token(environment, subject("evil-org", environment.prefix, workspace, "apply"))],
          ["a workspace of another project of the organization", token(environment, subject(ATTACKED_ORGANIZATION, "scratch", workspace, "apply"))],
          ["another workspace of the project", token(environment, subject(ATTACKED_ORGANIZATION, environment.prefix, `${environment.name}-scratch`, "apply"))],
          ["a workspace of the other environment", token(environment, subject(ATTACKED_ORGANIZATION, other.prefix, otherWorkspace, "apply"))],
          [
            "the other environment's workspace moved into its project",
            token(environment, subject(ATTACKED_ORGANIZATION, environment.prefix, otherWorkspace, "apply")),
          ],
          ["a wildcard subject", token(environment, subject(ATTACKED_ORGANIZATION, "*", "*", "apply"))],
          ["a subject with a suffix", token(environment, `${subject(ATTACKED_ORGANIZATION, environment.prefix, workspace, "apply")}:x`)],
          ["another audience", token(environment, subject(ATTACKED_ORGANIZATION, environment.prefix, workspace, "apply"), "sts.amazonaws.com")],
          [
            "another identity provider",
            {
              ...token(environment, subject(ATTACKED_ORGANIZATION, environment.prefix, workspace, "apply")),
              principal: { type: "Federated", id: `arn:aws:iam::${environment.account.id}:oidc-provider/token.actions.githubusercontent.com` },
            },
          ],
        ];
        const admitted = attempts.flatMap(([what, request]) => assumable(environment, request).map((role) => `${what}: ${role}`));
        expect(admitted).toEqual([]);
      });

      it.each(["lower", "higher"] as const)("a plan run of the %s environment cannot assume its apply role", (which) => {
        const environment = built()[which];
        for (const workspace of workspacesOf(environment)) {
          const plan = token(environment, subject(ATTACKED_ORGANIZATION, environment.prefix, workspace, "plan"));
          expect(evaluate(plan, [roleTrust(built(), `${environment.prefix}-tfc-apply`)])).toBe("implicit-deny");
        }
      });
    });

    it("every role's trust admits only its account, AWS services, and the Terraform Cloud and cluster identity providers", () => {
      expect(foreignTrusts(built())).toEqual([]);
    });
  });

if (LAYOUTS.length > 0)
  describe("one account shared by an environment GitHub Actions deploys and one on Terraform Cloud", () => {
    const built = (): Layout => layout("shared-account", "mixed");

    it.each([
      ["lower", "higher"],
      ["higher", "lower"],
    ] as const)("no principal of the %s environment touches the %s one", (fromName, toName) => {
      const current = built();
      const [from, to] = [current[fromName], current[toName]];
      expect([from, to].map((environment) => runnerOf(current, environment))).toEqual(
        fromName === "lower" ? ["github", "terraform-cloud"] : ["terraform-cloud", "github"],
      );
      const state = runnerOf(current, to) === "github" ? stateOf(current, to) : undefined;
      const allowed = breaches(principalsOf(current, from), crossEnvironment(from, to, state));
      expect(allowed).toEqual([]);
    });
  });

if (LAYOUTS.length > 0)
  describe("the Terraform Cloud attacks find what they look for", () => {
    it("the roles' former guards (environment tags only) let the lower environment's apply role at the higher one's nodes and runners in a shared account", () => {
      const current = layout("shared-account", "terraform-cloud");
      const [apply] = principalsOf(current, current.lower);
      const tagsOnly = {
        ...apply,
        identity: apply.identity.map((document) => ({
          Statement: document.Statement.filter(
            (statement) => statement.Effect === "Allow" || /^NeverOtherEnvironmentsResources$|^NeverTagAs/.test(statement.Sid ?? ""),
          ),
        })),
      };
      const paths = [...crossEnvironment(current.lower, current.higher, undefined), ...accountWide(current.lower)];
      const found = paths.filter(([, request]) => decide(tagsOnly, request) === "allowed").map(([attack]) => attack);
      expect(found).toEqual(
        expect.arrayContaining(["scale the other cluster's Auto Scaling group to zero", "replace the account's CodeBuild source credential"]),
      );
    });
  });

// A configuration without an attacked pair of environments (attacks.test.ts says why) has nothing to attack here.
if (LAYOUTS.length === 0)
  it("has no pair of environments to attack in this configuration", () => {
    expect(LAYOUTS).toEqual([]);
  });
