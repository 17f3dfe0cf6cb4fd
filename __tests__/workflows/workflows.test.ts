import * as fs from "fs";
import * as path from "path";
import { deployRoleName, pipelineRolesOf, planRoleName } from "../../constructs/iam/pipeline-roles";
import { CI_SCRIPT, jobId, promotionOrder } from "../../tools/generate";
import { LAYERS_ON_THE_VPC_RUNNER, PIPELINE_WORKFLOWS, plannedByPullRequests, runnerProjectName, runnerWorkflows } from "../../stacks/runner-stack";
import { REPO_ROOT, shippedEnvironments } from "../support/environments";
import {
  awsJobsWithoutOidc,
  effectivePermissions,
  Job,
  parseWorkflow,
  schemaErrors,
  staticKeyReferences,
  touchesAws,
  unpinnedUses,
  Workflow,
} from "./workflow-rules";

const WORKFLOWS_DIR = path.join(REPO_ROOT, ".github", "workflows");
const files = fs
  .readdirSync(WORKFLOWS_DIR)
  .filter((file) => /\.ya?ml$/.test(file))
  .sort();
const sources = Object.fromEntries(files.map((file) => [file, fs.readFileSync(path.join(WORKFLOWS_DIR, file), "utf8")]));
const workflows: Record<string, Workflow> = Object.fromEntries(files.map((file) => [file, parseWorkflow(sources[file])]));

function steps(job: Job): string {
  return (job.steps ?? []).map((step) => step.run ?? step.uses ?? "").join("\n");
}

describe("the GitHub Actions workflows", () => {
  it("are the CI, deploy and release pipelines, and the application's checks", () => {
    expect(files).toEqual(["app.yml", "ci.yml", "deploy-environment.yml", "deploy.yml", "release.yml"]);
  });

  it.each(files)("%s is valid against the GitHub workflow schema", (file) => {
    expect(schemaErrors(sources[file])).toEqual([]);
  });

  it.each(files)("%s pins every third-party action to a full commit SHA with its version in a comment", (file) => {
    expect(unpinnedUses(sources[file])).toEqual([]);
  });

  it.each(files)("%s uses OIDC (id-token: write) in every job that touches AWS, and no static key", (file) => {
    expect(awsJobsWithoutOidc(workflows[file])).toEqual([]);
    expect(staticKeyReferences(sources[file])).toEqual([]);
  });

  it.each(files)("%s grants only read access to the repository by default", (file) => {
    expect(workflows[file].permissions).toEqual({ contents: "read" });
  });
});

describe("app.yml", () => {
  const app = workflows["app.yml"];

  it("runs on pull requests that change the application", () => {
    expect(app.on).toEqual({ pull_request: { paths: expect.arrayContaining(["app/**"]) } });
  });

  it("runs the application's PostgreSQL tests, CodeQL and a dependency audit, without touching AWS", () => {
    expect(steps(app.jobs.test)).toMatch(/npm ci[^\n]*\n[\s\S]*npm test/);
    expect(steps(app.jobs.test)).toMatch(/initdb/);
    expect(steps(app.jobs.codeql)).toMatch(/github\/codeql-action\/init@[\s\S]*github\/codeql-action\/analyze@/);
    expect(app.jobs.codeql.permissions).toEqual({ contents: "read", "security-events": "write" });
    expect(steps(app.jobs.audit)).toMatch(/npm audit --omit=dev --audit-level=high/);
    expect(Object.values(app.jobs).some(touchesAws)).toBe(false);
  });
});

describe("ci.yml", () => {
  const ci = workflows["ci.yml"];
  const job = ci.jobs.test;

  it("runs on pull requests and on main", () => {
    expect(ci.on).toEqual({ pull_request: null, push: { branches: ["main"] } });
  });

  it("runs .ci/run, the one definition of CI, and no check of its own; then uploads the synthesized JSON", () => {
    const commands = (job.steps ?? []).filter((step) => step.run !== undefined && !step.run.includes("providers mirror")).map((step) => step.run!.trim());
    expect(commands).toEqual([`bash ${CI_SCRIPT}`]);
    const all = job.steps!;
    const upload = all.findIndex((step) => step.uses?.startsWith("actions/upload-artifact@"));
    expect(upload).toBeGreaterThan(all.findIndex((step) => step.run?.trim() === `bash ${CI_SCRIPT}`));
    expect(all[upload].with).toMatchObject({ path: "cdktf.out/stacks/*/cdk.tf.json", "if-no-files-found": "error" });
  });

  it(".ci/run runs every check the README promises: typecheck, lint, test, test:adopt and synth, in that order", () => {
    const script = fs.readFileSync(path.join(REPO_ROOT, CI_SCRIPT), "utf8");
    const npmCommands = script
      .split("\n")
      .map((line) => line.trim())
      // Each check runs through `phase <name> <command>` (or `background <name> <command>`, awaited by `finish`), which prints its time.
      .map((line) => /^(?:phase|background) (?:"[^"]+"|\S+) (npm .*)$/.exec(line)?.[1] ?? line)
      .filter((line) => /^npm (test|run \S+)$/.test(line));
    expect(npmCommands).toEqual(["npm run charts:pull", "npm run typecheck", "npm run lint", "npm test", "npm run test:adopt", "npm run synth"]);
    // A phase started in the background runs beside the later ones and is waited for (its failure fails CI) by a
    // `finish`: the script's last command, so no background phase is left unawaited.
    const lines = script.split("\n").map((line) => line.trim());
    const commands = lines.filter((line) => line !== "" && !line.startsWith("#"));
    const backgrounds = lines.flatMap((line, index) => (line.startsWith("background ") ? [index] : []));
    expect(backgrounds.length).toBeGreaterThan(0);
    expect(commands[commands.length - 1]).toBe("finish");
    expect(lines.lastIndexOf("finish")).toBeGreaterThan(Math.max(...backgrounds));
    expect(script).toMatch(/^set -euo pipefail$/m);
  });

  it("installs the plain terraform binary that cdktf and the offline plans need", () => {
    const setup = job.steps!.find((step) => step.uses?.startsWith("hashicorp/setup-terraform@"))!;
    expect(setup.with).toMatchObject({ terraform_wrapper: false });
    expect(String(setup.with!.terraform_version)).toMatch(/^1\.\d+\.\d+$/);
  });

  it("mirrors the pinned AWS provider for the offline plans before the tests run", () => {
    const mirror = job.steps!.find((step) => step.run?.includes("providers mirror"))!;
    expect(mirror.run).toContain("@cdktf/provider-aws/package.json");
    expect(mirror.run).toContain("PLATFORM_TF_PROVIDER_MIRROR=");
    expect(job.steps!.indexOf(mirror)).toBeLessThan(job.steps!.findIndex((step) => step.run?.trim() === `bash ${CI_SCRIPT}`));
  });

  it("never touches AWS", () => {
    expect(touchesAws(job)).toBe(false);
    expect(effectivePermissions(ci, job)).toEqual({ contents: "read" });
  });
});

describe("deploy.yml", () => {
  const deploy = workflows["deploy.yml"];
  const reusable = workflows["deploy-environment.yml"];
  const pipeline = promotionOrder(shippedEnvironments().filter((environment) => pipelineRolesOf(environment)));

  it("never runs for manifest, image-tag, app or docs changes (Image Updater's write-back commits included)", () => {
    const push = (deploy.on as { push: { "paths-ignore": string[] } }).push;
    expect(push["paths-ignore"]).toEqual(expect.arrayContaining(["gitops/**", "app/**", "docs/**"]));
  });

  it("plans and deploys from main only: a manual run on another branch finds no stack to deploy", () => {
    expect((deploy.jobs.changes as { if?: string }).if).toBe("${{ github.ref == 'refs/heads/main' }}");
    for (const environment of pipeline) expect(deploy.jobs[jobId("deploy", environment)].needs).toContain("changes");
  });

  it("deploys the environments in promotion order, each after the previous one, stack by stack", () => {
    expect(Object.keys(deploy.jobs)).toEqual(["changes", ...pipeline.map((environment) => jobId("deploy", environment))]);
    pipeline.forEach((environment, index) => {
      const job = deploy.jobs[jobId("deploy", environment)];
      expect(job.uses).toBe("./.github/workflows/deploy-environment.yml");
      expect(job.needs).toEqual(["changes", ...(index > 0 ? [jobId("deploy", pipeline[index - 1])] : [])]);
      expect((job as { strategy?: unknown }).strategy).toMatchObject({
        "max-parallel": 1,
        matrix: { include: `\${{ fromJSON(needs.changes.outputs.${environment.name}) }}` },
      });
    });
  });

  it("passes each environment the roles, region, GitHub environment and runner the stacks create", () => {
    for (const environment of pipeline) {
      const roles = pipelineRolesOf(environment)!;
      expect(deploy.jobs[jobId("deploy", environment)].with).toMatchObject({
        apply: true,
        environment: environment.name,
        "github-environment": roles.githubEnvironment,
        region: environment.account.region,
        "plan-role": `arn:${environment.partition}:iam::${environment.account.id}:role/${planRoleName(environment.prefix)}`,
        "deploy-role": `arn:${environment.partition}:iam::${environment.account.id}:role/${deployRoleName(environment.prefix)}`,
        "runner-project": runnerProjectName(environment),
      });
    }
  });

  it("plans with the plan role, then applies that saved plan with the deploy role in the GitHub environment, refusing a stale one", () => {
    const plan = reusable.jobs.plan;
    const apply = reusable.jobs.apply;
    const credentials = (job: Job) => job.steps!.find((step) => step.uses?.startsWith("aws-actions/configure-aws-credentials@"))!.with!["role-to-assume"];
    expect(credentials(plan)).toBe("${{ inputs.plan-role }}");
    expect(credentials(apply)).toBe("${{ inputs.deploy-role }}");
    expect(plan.environment).toBeUndefined();
    expect(apply.environment).toBe("${{ inputs.github-environment }}");
    expect(apply.concurrency).toEqual({ group: "deploy-${{ inputs.environment }}", "cancel-in-progress": false });
    expect(steps(plan)).toContain("-refresh=${{ inputs.refresh }} -no-color -out=tfplan");
    // The rendered diff carries values read from state; job logs are readable by every repository reader.
    expect(steps(plan)).toMatch(/ plan [^\n]*-out=tfplan > "\$RUNNER_TEMP\/plan\.txt"\n/);
    expect((reusable.on as { workflow_call: { inputs: Record<string, unknown> } }).workflow_call.inputs.refresh).toMatchObject({
      type: "boolean",
      default: true,
    });
    expect(steps(plan)).toContain("tools/plan-summary.ts");
    const script = steps(apply);
    expect(script.indexOf("tools/saved-plan.ts check")).toBeGreaterThan(-1);
    expect(script.indexOf("tools/saved-plan.ts check")).toBeLessThan(script.indexOf("apply -input=false tfplan"));
    expect(script).not.toContain("auto-approve");
  });

  it("runs the cluster-facing stacks on the in-VPC CodeBuild runner and the others on GitHub-hosted runners", () => {
    for (const job of [reusable.jobs.plan, reusable.jobs.apply]) {
      expect(job["runs-on"]).toBe(
        "${{ inputs.vpc && format('codebuild-{0}-{1}-{2}', inputs.runner-project, github.run_id, github.run_attempt) || 'ubuntu-24.04' }}",
      );
    }
    expect(LAYERS_ON_THE_VPC_RUNNER).toEqual(["platform", "edge", "delivery"]);
  });
});

describe("ci.yml: plans of pull requests", () => {
  const ci = workflows["ci.yml"];
  const pipeline = promotionOrder(shippedEnvironments().filter((environment) => pipelineRolesOf(environment)));

  it("plans the changed stacks of development environments only, never applies and keeps no plan file", () => {
    for (const environment of pipeline) {
      const job = ci.jobs[jobId("plan", environment)];
      if (!plannedByPullRequests(environment)) {
        // staging and production plan roles trust main and their GitHub environments, never `pull_request`.
        expect(job).toBeUndefined();
        expect(sources["ci.yml"]).not.toContain(pipelineRolesOf(environment)!.planRoleArn);
        expect(sources["ci.yml"]).not.toContain(pipelineRolesOf(environment)!.deployRoleArn);
        continue;
      }
      // The pull-request plan role reads no Secrets in the cluster (Helm's releases are Secrets): cluster stacks plan unrefreshed.
      expect(job.with).toMatchObject({ apply: false, "plan-role": pipelineRolesOf(environment)!.pullRequestPlanRoleArn, refresh: "${{ !matrix.vpc }}" });
      expect((job as { if?: string }).if).toContain("github.event_name == 'pull_request'");
      expect(effectivePermissions(ci, job)).toEqual({ contents: "read", "id-token": "write" });
    }
    expect(pipeline.filter((environment) => environment.tier !== "development").every((environment) => !plannedByPullRequests(environment))).toBe(true);
  });

  it("saves a plan (it holds the prior state) only when it is applied, never as an artifact: beside the state, and deletes it after the apply", () => {
    const reusable = workflows["deploy-environment.yml"];
    const uses = Object.values(reusable.jobs).flatMap((job) => (job.steps ?? []).map((step) => step.uses ?? ""));
    expect(uses.filter((action) => /^actions\/(upload|download)-artifact@/.test(action))).toEqual([]);
    const save = reusable.jobs.plan.steps!.find((step) => step.run?.includes('"${SAVED_PLAN}tfplan"')) as { if?: string; run: string };
    expect(save.if).toBe("inputs.apply");
    expect(save.run).toContain('aws s3 cp --only-show-errors --region "$STATE_REGION" "$STACK_DIR/tfplan" "${SAVED_PLAN}tfplan"');
    const apply = steps(reusable.jobs.apply);
    expect(apply.indexOf('"${SAVED_PLAN}tfplan" "$STACK_DIR/tfplan"')).toBeGreaterThan(-1);
    expect(apply.indexOf('"${SAVED_PLAN}tfplan" "$STACK_DIR/tfplan"')).toBeLessThan(apply.indexOf("tools/saved-plan.ts check"));
    const forget = reusable.jobs.apply.steps!.at(-1)!;
    expect(forget).toMatchObject({ if: "always()" });
    expect(forget.run).toContain('aws s3 rm --only-show-errors --region "$STATE_REGION" "${SAVED_PLAN}tfplan"');
    // A plan waiting for approval is never replaced by a later run's: one folder per stack and commit.
    expect((reusable as { env?: Record<string, string> }).env?.SAVED_PLAN).toBe("${{ inputs.saved-plans }}${{ inputs.stack }}/${{ github.sha }}/");
    // Pull requests save nothing; deploy.yml names the environment's saved-plans prefix in its state bucket, and no job may touch artifacts.
    for (const job of Object.values(ci.jobs).filter((candidate) => candidate.uses)) {
      expect(job.with).toMatchObject({ apply: false });
      expect(job.with?.["saved-plans"]).toBeUndefined();
    }
    const deploy = workflows["deploy.yml"];
    for (const environment of pipeline) {
      const job = deploy.jobs[jobId("deploy", environment)];
      const state = environment.state as { bucket: string; region: string };
      expect(job.with).toMatchObject({ "saved-plans": `s3://${state.bucket}/saved-plans/${environment.name}/`, "state-region": state.region });
      expect(job.permissions).toEqual({ contents: "read", "id-token": "write" });
    }
  });

  it("runs jobs on an environment's in-VPC runner only from the workflows its webhook admits", () => {
    const byName: Record<string, Workflow> = Object.fromEntries(Object.values(workflows).map((workflow) => [(workflow as { name?: string }).name, workflow]));
    expect(Object.keys(byName)).toEqual(expect.arrayContaining(Object.values(PIPELINE_WORKFLOWS)));
    for (const environment of pipeline) {
      const callers = Object.entries(byName)
        .filter(([, workflow]) => Object.values(workflow.jobs).some((job) => job.with?.["runner-project"] === runnerProjectName(environment)))
        .map(([name]) => name);
      expect(callers.sort()).toEqual([...runnerWorkflows(environment)].sort());
    }
  });
});

describe("release.yml", () => {
  const release = workflows["release.yml"];
  const released = promotionOrder(shippedEnvironments().filter((environment) => pipelineRolesOf(environment) && environment.edge));

  it("offers exactly the environments with an edge, the first one on pushes that change app/", () => {
    const on = release.on as { push: { paths: string[] }; workflow_dispatch: { inputs: { environment: { options: string[] } } } };
    expect(on.push.paths).toEqual(["app/**"]);
    expect(on.workflow_dispatch.inputs.environment.options).toEqual(released.map((environment) => environment.name));
  });

  it.each(released.map((environment) => [environment.name, environment] as const))(
    "%s: builds app/ unchanged, scans before pushing, pushes to its ECR with its deploy role",
    (_name, environment) => {
      const job = release.jobs[jobId("release", environment)];
      const all = job.steps!;
      const build = all.findIndex((step) => step.run?.includes("docker build"));
      const scan = all.findIndex((step) => step.uses?.startsWith("aquasecurity/trivy-action@"));
      const push = all.findIndex((step) => step.run?.includes("docker push"));
      expect(all[build].run).toMatch(/docker build .* app\n$/);
      expect([build, scan, push].every((index) => index >= 0) && build < scan && scan < push).toBe(true);
      expect(all[scan].with).toMatchObject({ "exit-code": "1" });
      expect(all[push].env).toMatchObject({ REPOSITORY: `${environment.prefix}/${environment.edge!.ecrRepositories[0]}` });
      const credentials = all.find((step) => step.uses?.startsWith("aws-actions/configure-aws-credentials@"))!;
      expect(credentials.with).toMatchObject({ "role-to-assume": pipelineRolesOf(environment)!.deployRoleArn, "aws-region": environment.account.region });
      expect(job.environment).toBe(pipelineRolesOf(environment)!.githubEnvironment);
      expect(sources["release.yml"]).not.toMatch(/:latest\b/);
    },
  );

  it("tags the image with the git tree id of app/, which the overlays of a new environment start from", () => {
    const job = release.jobs[jobId("release", released[0])];
    expect(job.steps!.find((step) => (step as { id?: string }).id === "tag")!.run).toContain("git rev-parse HEAD:app");
  });
});

describe("the checks themselves", () => {
  const source = fs.readFileSync(path.join(__dirname, "fixtures", "insecure.yml"), "utf8");
  const insecure = parseWorkflow(source);

  it("reject a job that is not a valid job", () => {
    expect(schemaErrors(source).join("\n")).toMatch(/\/jobs\/lint/);
  });

  it("reject tags and SHAs without a version comment", () => {
    expect(unpinnedUses(source)).toEqual(["actions/checkout@v4", "aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502"]);
  });

  it("reject static keys and an AWS job without id-token: write", () => {
    expect(awsJobsWithoutOidc(insecure)).toEqual(["deploy"]);
    expect(staticKeyReferences(source).length).toBeGreaterThan(0);
  });
});
