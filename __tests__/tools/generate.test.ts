import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, parseDocument } from "yaml";
import { TerraformStack } from "cdktf";
import { loadEnvironments } from "../../config";
import { pipelineRolesOf } from "../../constructs/iam/pipeline-roles";
import { buildApp } from "../../main";
import { appTreeId, GENERATED_HEADER, generatedFiles, jobId, orphanedFiles } from "../../tools/generate";
import { plannedByPullRequests, runnerProjectName } from "../../stacks/runner-stack";
import { REPO_ROOT, SHIPPED_CONFIG_DIR, testApp, withPipelines } from "../support/environments";
import { resourcesOf, synthStack } from "../support/synth";
import { schemaErrors, unpinnedUses } from "../workflows/workflow-rules";

const read = (root: string) => (file: string) => (fs.existsSync(path.join(root, file)) ? fs.readFileSync(path.join(root, file), "utf8") : undefined);

describe("npm run generate", () => {
  it("the committed workflows and overlays are what config/*.yaml generates (run `npm run generate` when this fails)", () => {
    const files = generatedFiles({
      environments: loadEnvironments({ dir: SHIPPED_CONFIG_DIR }),
      initialImageTag: () => appTreeId(REPO_ROOT),
    });
    const stale = Object.entries(files)
      .filter(([file, content]) => read(REPO_ROOT)(file) !== content)
      .map(([file]) => file);
    expect(stale).toEqual([]);
  });
});

/** The environment the test adds: a name the shipped (or adopted) config does not use yet. */
const ADDED = "uat";

describe("adding a fourth environment: one YAML file and one generate", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "config-added-"));
  for (const file of fs.readdirSync(SHIPPED_CONFIG_DIR).filter((name) => name.endsWith(".yaml") || name.endsWith(".json"))) {
    fs.copyFileSync(path.join(SHIPPED_CONFIG_DIR, file), path.join(dir, file));
  }
  // An environment the config does not have yet (uat), as a user would write it: a copy of one GitHub Actions deploys
  // with an edge (staging's when it is one; an adopter's staging may keep its state in Terraform Cloud), with its own
  // VPC range and hosts.
  const deployed = withPipelines().filter((environment) => environment.edge);
  const template = ["staging", "development", "production"].map((wanted) => deployed.find((environment) => environment.tier === wanted)).find(Boolean);
  if (!template) throw new Error(`no environment with an edge and GitHub pipeline roles in ${SHIPPED_CONFIG_DIR} to copy`);
  const copied = loadEnvironments({ dir, environments: [template.name] })[0];
  const qaSource = fs
    .readFileSync(path.join(dir, `${copied.name}.yaml`), "utf8")
    .replace(`cidr: ${copied.network.cidr}`, "cidr: 10.99.0.0/16")
    .split(`${copied.prefix}/`)
    .join(`${copied.project}-${ADDED}/`)
    // its own hosts: two environments may not claim one CloudFront alias or Argo CD host
    .split(`${copied.name}.`)
    .join(`${ADDED}.`);
  // A copy of an environment whose hosts do not carry its name (production's apex) gets hosts of its own too.
  const added = parseDocument(qaSource);
  if (added.hasIn(["edge"])) added.setIn(["edge", "appSubdomain"], ADDED);
  const argoCdHost = added.getIn(["platform", "argoCd", "hostname"]);
  if (typeof argoCdHost === "string" && !argoCdHost.includes(ADDED))
    added.setIn(["platform", "argoCd", "hostname"], argoCdHost.replace(/^([^.]+)\./, `$1-${ADDED}.`));
  fs.writeFileSync(path.join(dir, `${ADDED}.yaml`), added.toString());
  const environments = loadEnvironments({ dir });
  const qa = environments.find((environment) => environment.name === ADDED)!;
  const tree = "abcdefabcdefabcdefabcdefabcdefabcdefabcd";
  const files = generatedFiles({ environments, initialImageTag: () => tree });

  it("synthesizes the qa stacks, its runner and its pipeline roles", () => {
    const app = buildApp(testApp(), environments);
    const names = app.node.children.filter((child) => child instanceof TerraformStack).map((stack) => stack.node.id);
    expect(names).toEqual(expect.arrayContaining(["network", "runner", "cluster", "data", "platform", "edge", "delivery"].map((layer) => `${ADDED}-${layer}`)));
    const bootstraps = app.node.children.filter((child): child is TerraformStack => child instanceof TerraformStack && child.node.id.startsWith("bootstrap"));
    const roleNames = bootstraps.flatMap((stack) => Object.values(resourcesOf(synthStack(stack), "aws_iam_role")).map((role) => role.name));
    const roles = pipelineRolesOf(qa)!;
    expect(roleNames).toEqual(expect.arrayContaining([roles.deployRoleArn.split("/").pop(), roles.planRoleArn.split("/").pop()]));
  });

  it("gets an overlay with its ECR repository, IRSA role, secret, VPC range and the app's first image tag", () => {
    const kustomization = files[`gitops/overlays/${ADDED}/kustomization.yaml`];
    expect(kustomization).toContain(`newName: ${qa.account.id}.dkr.ecr.${qa.account.region}.amazonaws.com/${qa.prefix}/web`);
    expect(kustomization).toContain(`newTag: ${tree}`);
    expect(kustomization).toContain("value: 10.99.0.0/16");
    const environment = files[`gitops/overlays/${ADDED}/environment.yaml`];
    expect(environment).toContain(`eks.amazonaws.com/role-arn: arn:${qa.partition}:iam::${qa.account.id}:role/${qa.prefix}-web`);
    expect(environment).toContain(`eks.amazonaws.com/role-arn: arn:${qa.partition}:iam::${qa.account.id}:role/${qa.prefix}-web-provision-users`);
  });

  it("gets a deploy job, a pull-request plan job if its tier allows one, a release choice, and every workflow still validates", () => {
    const deploy = parse(files[".github/workflows/deploy.yml"]) as { jobs: Record<string, { with?: Record<string, unknown>; needs?: string[] }> };
    expect(deploy.jobs[jobId("deploy", qa)].with).toMatchObject({
      environment: ADDED,
      "deploy-role": pipelineRolesOf(qa)!.deployRoleArn,
      "runner-project": runnerProjectName(qa),
    });
    const ci = parse(files[".github/workflows/ci.yml"]) as { jobs: Record<string, unknown> };
    // A pull request plans it only when its tier lets pull requests plan (a staging copy: planned from main instead).
    expect(Object.keys(ci.jobs).includes(jobId("plan", qa))).toBe(plannedByPullRequests(qa));
    const release = parse(files[".github/workflows/release.yml"]) as { on: { workflow_dispatch: { inputs: { environment: { options: string[] } } } } };
    expect(release.on.workflow_dispatch.inputs.environment.options).toContain(ADDED);
    for (const [file, content] of Object.entries(files).filter(([name]) => name.startsWith(".github/"))) {
      expect({ file, errors: schemaErrors(content), unpinned: unpinnedUses(content) }).toEqual({ file, errors: [], unpinned: [] });
    }
  });

  it("deploys qa in its tier's place in the promotion order", () => {
    const deploy = parse(files[".github/workflows/deploy.yml"]) as { jobs: Record<string, { needs?: string[] }> };
    const order = Object.keys(deploy.jobs).filter((job) => job !== "changes");
    expect(order).toHaveLength(environments.filter((environment) => pipelineRolesOf(environment)).length);
    const index = order.indexOf(jobId("deploy", qa));
    expect(deploy.jobs[order[index]].needs).toEqual(index === 0 ? ["changes"] : ["changes", order[index - 1]]);
  });
});

describe("overlays of environments that no longer have an edge", () => {
  const generated = { "gitops/overlays/prod/kustomization.yaml": "x", ".github/workflows/release.yml": "y" };
  const files: Record<string, string> = {
    "gitops/overlays/prod/kustomization.yaml": `${GENERATED_HEADER}\n`,
    "gitops/overlays/dev/kustomization.yaml": `${GENERATED_HEADER}\n`,
    "gitops/overlays/dev/environment.yaml": `${GENERATED_HEADER}\n`,
    "gitops/overlays/mine/kustomization.yaml": "# written by hand\n",
  };

  it("names the generated files the config no longer generates, never a hand-written one", () => {
    expect(orphanedFiles(generated, Object.keys(files), (file) => files[file])).toEqual([
      "gitops/overlays/dev/environment.yaml",
      "gitops/overlays/dev/kustomization.yaml",
    ]);
  });

  it("names the release workflow once no environment is released", () => {
    const release = { ".github/workflows/release.yml": `${GENERATED_HEADER}\n` };
    expect(orphanedFiles({}, Object.keys(release), (file) => release[file as keyof typeof release])).toEqual([".github/workflows/release.yml"]);
  });
});
