import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { PROJECT_TAG_KEYS } from "../../config/schema/environment";
import { ZONES_AS_OF } from "../../config/schema/availability-zones-data";
import { AURORA_CLASS_SIZES, EC2_FAMILY_SIZES, INSTANCES_AS_OF } from "../../config/schema/instance-types-data";
import { ADDONS_AS_OF, EKS_ADDON_VERSIONS } from "../../config/schema/eks-addons-data";
import { DEFAULT_KUBERNETES_VERSION } from "../../config/schema/cluster";
import { lockedVersions } from "../../config/charts";
import { defaultTags } from "../../stacks/environment-stack";
import { configFolder, lines, runApp, shown } from "../support/cli";
import { environmentInput, REPO_ROOT } from "../support/environments";

// Every kind of bad input in one folder, run once through the real entry point: each must give exactly its own line
// (file, field, what is wrong, what is allowed), all of them in one run, and exit 1 without a stack trace.
const edge = { domainName: "shop.example.com", appSubdomain: "www", gitops: { repoURL: "https://github.com/acme/shop.git" } };
const tags = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`team-${index}`, "x"]));
const maxConfigTags = 50 - PROJECT_TAG_KEYS.length;
const kubeProxyBuilds = [...(EKS_ADDON_VERSIONS["kube-proxy"]?.[DEFAULT_KUBERNETES_VERSION] ?? [])];
// The build after the oldest one the catalog lists, when the catalog skips it; else one past the newest.
const missingKubeProxyBuild = [kubeProxyBuilds[0], kubeProxyBuilds.at(-1)]
  .map((build) => String(build).replace(/\d+$/, (number) => String(Number(number) + 1)))
  .find((build) => !kubeProxyBuilds.includes(build))!;
const locked = lockedVersions(REPO_ROOT);
const dir = configFolder({
  "instance-type": environmentInput({ cluster: { nodeGroups: { system: { instanceTypes: ["t3.lrage"] } } } }),
  "k8s-old": environmentInput({ cluster: { version: "1.20" } }),
  "k8s-next": environmentInput({ cluster: { version: "1.36" } }),
  "k8s-far": environmentInput({ cluster: { version: "1.99" } }),
  aurora: environmentInput({ database: { engineVersion: "16.7" } }),
  region: environmentInput({
    account: { id: "123456789012", region: "eu-west-9" },
    network: { cidr: "10.0.0.0/16", availabilityZones: ["eu-west-9a", "eu-west-9b", "eu-west-9c"] },
  }),
  "no-lbc": environmentInput({ edge, platform: { awsLoadBalancerController: { enabled: false } } }),
  "no-argo": environmentInput({ edge, platform: { argoCd: { enabled: false }, argocdImageUpdater: { enabled: false } } }),
  "tags-max": environmentInput({ tags: tags(maxConfigTags) }),
  "tags-over": environmentInput({ tags: tags(maxConfigTags + 1) }),
  "alias-a": environmentInput({ edge }),
  "alias-b": environmentInput({ edge }),
  "argo-a": environmentInput({ platform: { argoCd: { hostname: "argocd.example.com", hostedZoneId: "Z0TEST000000000000001" } } }),
  "argo-b": environmentInput({ platform: { argoCd: { hostname: "argocd.example.com", hostedZoneId: "Z0TEST000000000000001" } } }),
  // Two problems in one file, one of them found only by a rule across fields: both in the same round.
  "tier-and-cidr": { ...environmentInput({ network: { cidr: "10.0.0.0/33" } }), tier: "prodution" },
  // 20 + 1 + 20 characters of prefix: S3's 63 for the Argo CD backup's log bucket is the limit furthest past.
  "production-europe-eu": environmentInput({ project: "acmewebshopplatforms" }),
  // Free-form values and access modes that would weaken production without a word.
  "vault-dev": environmentInput({
    platform: {
      certManager: { enabled: true, acmeEmail: "ops@example.com", hostedZoneIds: ["Z0TEST000000000000003"] },
      vault: { enabled: true, values: { server: { dev: { enabled: true } } } },
    },
  }),
  "argo-world": environmentInput({
    platform: {
      argoCd: { hostname: "argo.world.example.com", hostedZoneId: "Z0TEST000000000000002", access: { mode: "public", allowedCidrs: ["0.0.0.0/0"] } },
    },
  }),
  "az-missing": environmentInput({ network: { availabilityZones: ["eu-central-1a", "eu-central-1b", "eu-central-1d"] } }),
  "es-old": environmentInput({ platform: { elasticsearch: { enabled: true, stackVersion: "7.16.3" } } }),
  // Values checked against what exists: sizes per family, add-on builds per Kubernetes minor, charts against the lock.
  "size-t3": environmentInput({ cluster: { nodeGroups: { system: { instanceTypes: ["t3.12xlarge"] } } } }),
  "size-aurora": environmentInput({ database: { instanceClass: "db.r6g.nano" } }),
  "addon-build": environmentInput({ cluster: { addons: { kubeProxy: missingKubeProxyBuild } } }),
  "chart-version": environmentInput({ platform: { clusterAutoscaler: { version: "0.0.1" } } }),
  "values-typo": environmentInput({ platform: { vault: { values: { server: { dve: { enabled: true } } } } } }),
  "values-schema": environmentInput({ platform: { vault: { values: { server: { ha: { replicas: "three" } } } } } }),
  "grafana-lb": environmentInput({ platform: { kubePrometheusStack: { values: { grafana: { service: { type: "LoadBalancer" } } } } } }),
});
const file = (name: string) => path.join(dir, name);
fs.mkdirSync(file("folder.yaml"));
fs.symlinkSync("loop-b.yaml", file("loop-a.yaml"));
fs.symlinkSync("loop-a.yaml", file("loop-b.yaml"));
fs.symlinkSync("missing.yaml", file("dangling.yaml"));
fs.writeFileSync(file("qa.yml"), stringify(environmentInput()));
// Windows editors save UTF-16 with a byte-order mark; a Latin-1 é is not UTF-8.
fs.writeFileSync(file("utf16.yaml"), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(stringify(environmentInput()), "utf16le")]));
const latin1 = Buffer.from(stringify(environmentInput({ tags: { owner: "caf\u00e9" } })), "latin1");
fs.writeFileSync(file("latin1.yaml"), latin1);
// A FIFO would block a plain read forever; the loader must refuse it from its type alone.
execFileSync("mkfifo", [file("fifo.yaml")]);
const level = (name: string, below: string) => `${name}: &${name} [${Array(10).fill(`*${below}`).join(", ")}]`;
fs.writeFileSync(
  file("bomb.yaml"),
  ["a: &a [x, x, x, x, x, x, x, x, x, x]", level("b", "a"), level("c", "b"), level("d", "c"), level("e", "d"), ""].join("\n"),
);
// Root reads a mode-000 file anyway, so the run drops to nobody (uid 65534) when the tests run as root.
fs.writeFileSync(file("unreadable.yaml"), stringify(environmentInput()));
fs.chmodSync(file("unreadable.yaml"), 0o000);
fs.chmodSync(dir, 0o755);
const asRoot = process.getuid?.() === 0;
const run = runApp(dir, { spawn: asRoot ? { uid: 65534, gid: 65534 } : {} });
const at = (name: string, rest: string) => `${shown(file(name))}: ${rest}`;

describe("bad input", () => {
  it.each([
    ["a folder named x.yaml", at("folder.yaml", "(file): is a folder, not a file; environment files are <name>.yaml files, so rename or move the folder")],
    ["a symlink loop", at("loop-a.yaml", "(file): is a symbolic link that loops back on itself; point it at a real .yaml file")],
    ["the other end of the loop", at("loop-b.yaml", "(file): is a symbolic link that loops back on itself; point it at a real .yaml file")],
    ["a dangling symlink", at("dangling.yaml", "(file): is a symbolic link to missing.yaml, which does not exist; fix or remove the link")],
    ["a FIFO", at("fifo.yaml", "(file): is not a regular file (a FIFO, socket or device); environment files are plain .yaml files")],
    ["an unreadable file", at("unreadable.yaml", "(file): cannot be read: permission denied (EACCES); give the user running the synth read permission")],
    [
      "an alias bomb",
      at(
        "bomb.yaml",
        "(aliases): YAML aliases expand too far (Excessive alias count indicates a resource exhaustion attack); write the values out or use fewer *alias references",
      ),
    ],
    [
      "a UTF-16 file",
      at(
        "utf16.yaml",
        "(file): is encoded as UTF-16 (byte-order mark); environment files are UTF-8: save it as UTF-8 (in most editors: Save with Encoding, UTF-8)",
      ),
    ],
    [
      "a Latin-1 file",
      at(
        "latin1.yaml",
        `(file): is not valid UTF-8 (first bad byte near offset ${latin1.indexOf(0xe9)}; Latin-1 or Windows-1252?): save it as UTF-8 (in most editors: Save with Encoding, UTF-8)`,
      ),
    ],
    ["a wrong tier", at("tier-and-cidr.yaml", 'tier: must be one of "development", "staging", "production"; got "prodution"')],
    ["a /33 in the same file as a wrong tier", at("tier-and-cidr.yaml", 'network.cidr: "10.0.0.0/33" is not an IPv4 CIDR block such as 10.0.0.0/16')],
    [
      "a prefix that makes a derived name too long (the one furthest past its limit)",
      at(
        "production-europe-eu.yaml",
        'project: with environment "production-europe-eu" gives the Argo CD backup\'s access-log bucket name "acmewebshopplatforms-production-europe-eu-argocd-backup-123456789012-access-logs" (80 characters), past the 63 AWS allows (aws_s3_bucket.bucket); shorten the project or the environment\'s file name by 17 characters',
      ),
    ],
    [
      "Vault's dev mode in production",
      at(
        "vault-dev.yaml",
        "platform.vault.values.server.dev.enabled: true is refused in a production tier: Vault's dev mode keeps every secret in memory only, starts unsealed and prints a root token to its log",
      ),
    ],
    [
      "Argo CD open to the whole internet",
      at(
        "argo-world.yaml",
        "platform.argoCd.access.allowedCidrs[0]: \"0.0.0.0/0\" admits the whole internet to Argo CD's admin endpoint; name the offices' or VPN's egress ranges, or use access.mode internal",
      ),
    ],
    [
      "a world-open LoadBalancer through free-form values",
      at(
        "grafana-lb.yaml",
        'platform.kubePrometheusStack.values.grafana.service.type: "LoadBalancer" with no loadBalancerSourceRanges puts this endpoint on the internet for everyone; set loadBalancerSourceRanges to the ranges that need it, or make it internal (service.beta.kubernetes.io/aws-load-balancer-scheme: internal)',
      ),
    ],
    [
      "an availability zone the region does not have",
      at(
        "az-missing.yaml",
        `network.availabilityZones[2]: "eu-central-1d" is not an availability zone of eu-central-1; it has eu-central-1a, eu-central-1b, eu-central-1c (as of ${ZONES_AS_OF})`,
      ),
    ],
    [
      "an Elasticsearch version the pinned ECK operator does not run",
      at(
        "es-old.yaml",
        "platform.elasticsearch.stackVersion: must be a version the pinned ECK operator runs: 7.17.0 or later, up to 9.x (ECK 3.5's supported versions)",
      ),
    ],
    [
      "an instance size its family does not have",
      at(
        "size-t3.yaml",
        `cluster.nodeGroups.system.instanceTypes[0]: "t3.12xlarge" is not an EC2 instance type: t3 has no size "12xlarge" (did you mean "t3.2xlarge"?); t3 has ${EC2_FAMILY_SIZES.t3?.join(", ")} (instance catalog as of ${INSTANCES_AS_OF}; npm run catalog:instances refreshes it)`,
      ),
    ],
    [
      "an Aurora instance class of a size its family does not have",
      at(
        "size-aurora.yaml",
        `database.instanceClass: "db.r6g.nano" is not an Aurora PostgreSQL instance class: db.r6g has no size "nano"; db.r6g has ${AURORA_CLASS_SIZES.r6g?.join(", ")} (instance catalog as of ${INSTANCES_AS_OF}; npm run catalog:instances refreshes it)`,
      ),
    ],
    [
      "an EKS add-on build that does not exist for the Kubernetes version",
      at(
        "addon-build.yaml",
        `cluster.addons.kubeProxy: "${missingKubeProxyBuild}" is not a kube-proxy version EKS publishes for Kubernetes ${DEFAULT_KUBERNETES_VERSION} (cluster.version); nearest: `,
      ),
    ],
    [
      "a chart version charts.lock.json does not pin",
      at(
        "chart-version.yaml",
        `platform.clusterAutoscaler.version: "0.0.1" is not the version charts.lock.json pins for the cluster-autoscaler chart ("${locked.get("cluster-autoscaler")}"), so its values cannot be checked; to install 0.0.1, set the cluster-autoscaler entry's "version" to "0.0.1" and its "files" to {} in charts.lock.json, then run npm run charts:pull (it pins the new files' sha256)`,
      ),
    ],
    [
      "a typo inside free-form Helm values",
      at(
        "values-typo.yaml",
        `platform.vault.values.server.dve: "dve" is not a value of the vault ${locked.get("vault")} chart: its values.yaml and values.schema.json have no such key (did you mean "dev"?)`,
      ),
    ],
    [
      "free-form Helm values the chart's schema refuses",
      at("values-schema.yaml", `platform.vault.values.server.ha.replicas: must be integer (values.schema.json of the vault ${locked.get("vault")} chart)`),
    ],
    ["a .yml file", at("qa.yml", "(file name): is not read: environment files end in .yaml; rename it to qa.yaml")],
    [
      "an instance type that does not exist",
      at(
        "instance-type.yaml",
        `cluster.nodeGroups.system.instanceTypes[0]: "t3.lrage" is not an EC2 instance type: t3 has no size "lrage" (did you mean "t3.large"?); t3 has ${EC2_FAMILY_SIZES.t3?.join(", ")} (instance catalog as of ${INSTANCES_AS_OF}; npm run catalog:instances refreshes it)`,
      ),
    ],
    [
      "Kubernetes 1.20",
      at("k8s-old.yaml", 'cluster.version: "1.20" is older than the pinned add-ons support: 1.33 to 1.35 (the coredns add-on is built for 1.33–1.35)'),
    ],
    ...["k8s-next:1.36", "k8s-far:1.99"].map((entry) => {
      const [name, version] = entry.split(":");
      return [
        `Kubernetes ${version} with the pins of 1.35`,
        at(
          `${name}.yaml`,
          `cluster.version: "${version}" is newer than the 1.35 the pinned add-ons and charts are built for: give ${version} builds for cluster.addons.vpcCni, cluster.addons.coredns, cluster.addons.kubeProxy, cluster.addons.ebsCsiDriver, cluster.addons.podIdentityAgent, cluster.addons.snapshotController, platform.clusterAutoscaler.version (docs/cluster.md, "Upgrading Kubernetes")`,
        ),
      ];
    }),
    [
      "an Aurora version that does not exist",
      at(
        "aurora.yaml",
        'database.engineVersion: "16.7" is not an Aurora PostgreSQL engine version (did you mean "16.6" or "16.8"?); 16.x versions: 16.1, 16.2, 16.3, 16.4, 16.6, 16.8, 16.9',
      ),
    ],
    [
      "a region that does not exist",
      at("region.yaml", 'account.region: "eu-west-9" is not an AWS region (did you mean "eu-west-1"?); e.g. eu-west-1 or us-east-2'),
    ],
    [
      "edge without the load balancer controller",
      at(
        "no-lbc.yaml",
        "platform.awsLoadBalancerController.enabled: must be true while edge is configured: the controller registers the application's pods in the edge ALB's target group",
      ),
    ],
    [
      "edge without Argo CD",
      at(
        "no-argo.yaml",
        "platform.argoCd.enabled: must be true while edge is configured: the delivery stack deploys the application as an Argo CD Application",
      ),
    ],
    [
      "more than 50 tags with the project's own",
      at(
        "tags-over.yaml",
        `tags: gives 51 tags per resource with the project's own ${PROJECT_TAG_KEYS.join(", ")}; AWS allows at most 50, so keep at most ${maxConfigTags} here`,
      ),
    ],
    [
      "a CloudFront alias two environments claim",
      at(
        "alias-b.yaml",
        `edge.appSubdomain: gives the CloudFront alias and application record "www.shop.example.com", which ${shown(file("alias-a.yaml"))} already uses (edge.appSubdomain); host names are unique in CloudFront and Route53, so the second apply would fail`,
      ),
    ],
    [
      "an origin record two environments claim",
      at(
        "alias-b.yaml",
        `edge.appSubdomain: gives the origin record "origin.www.shop.example.com", which ${shown(file("alias-a.yaml"))} already uses (edge.appSubdomain); host names are unique in CloudFront and Route53, so the second apply would fail`,
      ),
    ],
    [
      "an Argo CD host two environments claim",
      at(
        "argo-b.yaml",
        `platform.argoCd.hostname: gives the Argo CD host "argocd.example.com", which ${shown(file("argo-a.yaml"))} already uses (platform.argoCd.hostname); host names are unique in CloudFront and Route53, so the second apply would fail`,
      ),
    ],
  ])("%s: one line naming file and field", (_case, line) => {
    // A line that ends in what varies with the catalog (the nearest builds) is matched up to there.
    expect(lines(run.stderr)).toContainEqual(line.endsWith("nearest: ") ? expect.stringContaining(line) : line);
  });

  it("names the nearest published builds and the add-on catalog's date", () => {
    const line = lines(run.stderr).find((each) => each.startsWith(shown(file("addon-build.yaml"))));
    expect(line).toMatch(
      new RegExp(
        `nearest: v[^ ]+(, v[^ ]+)? \\(add-on catalog as of ${ADDONS_AS_OF}: ${kubeProxyBuilds.length} versions; npm run catalog:addons refreshes it\\)$`,
      ),
    );
  });

  it("prints nothing else: one line per problem, every file in one run, no stack trace, exit 1", () => {
    expect(lines(run.stderr)).toHaveLength(36);
    expect(new Set(lines(run.stderr)).size).toBe(36);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.stdout).toBe("");
    expect(run.status).toBe(1);
  });

  it("accepts exactly 50 tags counting the project's own", () => {
    expect(run.stderr).not.toContain(shown(file("tags-max.yaml")));
  });

  it("counts the tags the stacks really add", () => {
    expect(Object.keys(defaultTags("e", "s", "p", {})).sort()).toEqual([...PROJECT_TAG_KEYS].sort());
  });
});
