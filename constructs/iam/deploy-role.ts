import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { deployStatements } from "./deploy-policy";
import { GithubDeployRoleProps } from "./deploy-role-props";
import { boundaryStatements, environmentGuards, requireZonesWhenShared } from "./environment-guards";
import { githubTrustPolicy, MAIN_BRANCH_SUBJECT, PULL_REQUEST_SUBJECT } from "./github-oidc";
import { deployRoleName, permissionsBoundaryName, planRoleName, pullRequestPlanRoleName } from "./pipeline-roles";
import { planStatements, savePlanStatements } from "./plan-policy";
import { policyDocument } from "./policy-document";

/**
 * The GitHub Actions roles of one environment, their permissions boundary, and the statements that keep them inside
 * the environment. The deploy role's trust pins the token's `sub` to `repo:<owner>/<repo>:environment:<env>` (the
 * GitHub environment with the required reviewers); the plan role's to pushes to the main branch; the pull-request plan
 * role (development tiers only) to the repository's pull requests, and the cluster lets it read no Secrets.
 *
 * What the deploy role cannot do, whatever it writes: create, change or attach policies to a role without the
 * environment's boundary; attach an AWS managed policy outside `ATTACHABLE_AWS_MANAGED_POLICIES`; pass a role
 * outside `<prefix>-*` or to a service outside `PASS_ROLE_SERVICES` (pipeline-policy-data.ts); change itself, the plan roles or the boundary;
 * touch a resource tagged with another environment, or tag one as another environment; read a database secret of
 * another environment's cluster; read or write another environment's state; delete or re-key the state's CMK, or move
 * its alias; change the account's CodeBuild source credentials or GitHub connection; change another cluster's Auto
 * Scaling groups or (when the environment's zones are known) any Route 53 zone but its own.
 */
export class GithubDeployRole extends Construct {
  readonly role: IamRole;
  readonly planRole: IamRole;
  /** The pull requests' plan role; undefined unless pullRequestPlans. */
  readonly pullRequestPlanRole?: IamRole;
  readonly boundary: IamPolicy;
  readonly arn: string;
  readonly name: string;

  constructor(scope: Construct, id: string, props: GithubDeployRoleProps) {
    super(scope, id);
    const { prefix } = props;
    this.name = deployRoleName(prefix);
    const guards = environmentGuards(this, props);
    this.boundary = new IamPolicy(this, "Boundary", {
      name: permissionsBoundaryName(prefix),
      description: `Permissions boundary of every role the ${prefix} stacks create`,
      policy: policyDocument(boundaryStatements(this, props, guards)),
    });
    this.role = new IamRole(this, "Role", {
      name: this.name,
      description: `GitHub Actions deploys of ${prefix} from ${props.repository} (environment ${props.githubEnvironment})`,
      maxSessionDuration: props.maxSessionDurationSeconds ?? 7200,
      assumeRolePolicy: githubTrustPolicy(props.oidcProvider.arn, props.repository, [`environment:${props.githubEnvironment}`]),
    });
    this.arn = this.role.arn;
    new IamRolePolicy(this, "Policy", { name: "deploy", role: this.role.id, policy: policyDocument([...deployStatements(this, props), ...guards]) });
    this.planRole = new IamRole(this, "PlanRole", {
      name: planRoleName(prefix),
      description: `Read-only plans of ${prefix} for pull requests and main of ${props.repository}`,
      maxSessionDuration: 3600,
      assumeRolePolicy: githubTrustPolicy(props.oidcProvider.arn, props.repository, [MAIN_BRANCH_SUBJECT]),
    });
    // Only the main branch's plans are applied, so only its plan role saves one.
    new IamRolePolicy(this, "PlanPolicy", {
      name: "plan",
      role: this.planRole.id,
      policy: policyDocument([...planStatements(this, props), ...savePlanStatements(props), ...guards]),
    });
    if (props.pullRequestPlans) {
      this.pullRequestPlanRole = new IamRole(this, "PullRequestPlanRole", {
        name: pullRequestPlanRoleName(prefix),
        description: `Read-only plans of ${prefix} for pull requests of ${props.repository}; its cluster access reads no Secrets`,
        maxSessionDuration: 3600,
        assumeRolePolicy: githubTrustPolicy(props.oidcProvider.arn, props.repository, [PULL_REQUEST_SUBJECT]),
      });
      new IamRolePolicy(this, "PullRequestPlanPolicy", {
        name: "plan",
        role: this.pullRequestPlanRole.id,
        policy: policyDocument([...planStatements(this, props), ...guards]),
      });
    }
    requireZonesWhenShared(this, props);
  }
}
