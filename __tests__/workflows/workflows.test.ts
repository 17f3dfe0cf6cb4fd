import * as fs from "fs";
import * as path from "path";
import { deployRoleName } from "../../constructs/iam/github-actions";
import { REPO_ROOT, shippedEnvironments } from "../support/environments";
import {
  awsJobsWithoutOidc, effectivePermissions, Job, parseWorkflow, schemaErrors, staticKeyReferences, touchesAws, unpinnedUses, Workflow,
} from "./workflow-rules";

const WORKFLOWS_DIR = path.join(REPO_ROOT, ".github", "workflows");
const files = fs.readdirSync(WORKFLOWS_DIR).filter((file) => /\.ya?ml$/.test(file)).sort();
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

  it("installs, type-checks, tests and synthesizes, then uploads the synthesized JSON", () => {
    const commands = steps(job);
    const order = ["npm ci", "npm run typecheck", "npm test", "npm run synth", "actions/upload-artifact@"].map((command) => commands.indexOf(command));
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const upload = job.steps!.find((step) => step.uses?.startsWith("actions/upload-artifact@"))!;
    expect(upload.with).toMatchObject({ path: "cdktf.out/stacks/*/cdk.tf.json", "if-no-files-found": "error" });
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
    expect(job.steps!.indexOf(mirror)).toBeLessThan(job.steps!.findIndex((step) => step.run === "npm test"));
  });

  it("never touches AWS", () => {
    expect(touchesAws(job)).toBe(false);
    expect(effectivePermissions(ci, job)).toEqual({ contents: "read" });
  });
});

describe("deploy.yml", () => {
  const deploy = workflows["deploy.yml"];
  const environmentJob = workflows["deploy-environment.yml"].jobs.deploy;

  it("deploys dev, then staging, then prod", () => {
    expect(Object.keys(deploy.jobs)).toEqual(["dev", "staging", "prod"]);
    expect([deploy.jobs.dev.needs, deploy.jobs.staging.needs, deploy.jobs.prod.needs]).toEqual([undefined, "dev", "staging"]);
    for (const job of Object.values(deploy.jobs)) {
      expect(job.uses).toBe("./.github/workflows/deploy-environment.yml");
    }
  });

  it("assumes each environment's own deploy role from the bootstrap stack, in the environment's region", () => {
    for (const environment of shippedEnvironments()) {
      expect(deploy.jobs[environment.name].with).toEqual({
        environment: environment.name,
        "role-arn": `arn:aws:iam::${environment.account.id}:role/${deployRoleName(environment.prefix)}`,
        region: environment.account.region,
        runner: JSON.stringify(["self-hosted", "linux", "x64", environment.prefix]).replace(/,/g, ", "),
      });
    }
  });

  it("runs on the environment's runner inside its VPC, because the EKS API endpoint is private", () => {
    expect(environmentJob["runs-on"]).toBe("${{ fromJSON(inputs.runner) }}");
  });

  it("runs each deploy in its GitHub environment, one run at a time per environment, never cancelled halfway", () => {
    expect(environmentJob.environment).toBe("${{ inputs.environment }}");
    expect(environmentJob.concurrency).toEqual({ group: "deploy-${{ inputs.environment }}", "cancel-in-progress": false });
  });

  it("diffs and then deploys every stack of the environment in deploy order", () => {
    const script = steps(environmentJob);
    expect(script).toContain('scripts/stacks.ts "$ENVIRONMENT"');
    const diff = script.indexOf('scripts/cdktf.js diff "$stack"');
    expect(diff).toBeGreaterThan(-1);
    expect(diff).toBeLessThan(script.indexOf('scripts/cdktf.js deploy "$stack"'));
    const credentials = environmentJob.steps!.findIndex((step) => step.uses?.startsWith("aws-actions/configure-aws-credentials@"));
    expect(environmentJob.steps![credentials].with).toMatchObject({ "role-to-assume": "${{ inputs.role-arn }}" });
  });
});

describe("release.yml", () => {
  const release = workflows["release.yml"];
  const job = release.jobs.image;

  it("tags the image with the git sha and never with latest", () => {
    expect(steps(job)).toContain("web:$TAG");
    expect(job.steps!.find((step) => step.run?.includes("docker push"))!.env).toMatchObject({ TAG: "${{ github.sha }}" });
    expect(sources["release.yml"]).not.toMatch(/:latest\b/);
  });

  it("pushes with the chosen environment's deploy role and in its GitHub environment", () => {
    const credentials = job.steps!.find((step) => step.uses?.startsWith("aws-actions/configure-aws-credentials@"))!;
    expect(credentials.with!["role-to-assume"]).toBe("arn:aws:iam::111122223333:role/webapp-${{ inputs.environment || 'dev' }}-deploy");
    expect(job.environment).toBe("${{ inputs.environment || 'dev' }}");
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
