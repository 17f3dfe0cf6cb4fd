import { validateEnvironment } from "../../config";
import { environmentInput } from "../support/environments";

/** The edge every test starts from; the ALB admits only CloudFront's origin-facing prefix list (given explicitly here). */
const PREFIX_LIST = "pl-0a1b2c3d";
const EDGE = { domainName: "shop.example.org", gitops: { repoURL: "https://github.com/acme/shop.git" }, loadBalancer: { cloudFrontPrefixListId: PREFIX_LIST } };

function problems(overrides: Parameters<typeof environmentInput>[0]): { location: string; message: string }[] {
  const result = validateEnvironment("test", "config/test.yaml", environmentInput(overrides));
  return "problems" in result ? result.problems.map(({ location, message }) => ({ location, message })) : [];
}

describe("the edge and github sections of the config", () => {
  it("fill in safe defaults: internal ALB, one web repository, a day of stickiness, git write-back", () => {
    const result = validateEnvironment("test", "config/test.yaml", environmentInput({ edge: EDGE }));
    if ("problems" in result) throw new Error(JSON.stringify(result.problems));
    expect(result.environment.edge).toMatchObject({
      ecrRepositories: ["web"],
      loadBalancer: { scheme: "internal", stickinessSeconds: 86400, appPort: 8080, regionalWaf: false },
      waf: { rateLimit: 2000 },
      gitops: { targetRevision: "main", imageUpdater: { enabled: true, writeBack: "git" } },
    });
  });

  it.each(["internal", "internet-facing"] as const)(
    "require CloudFront's origin-facing prefix list for an %s ALB in a region the project does not list, naming the look-up",
    (scheme) => {
      const zones = ["eu-south-2a", "eu-south-2b", "eu-south-2c"];
      expect(
        problems({ account: { region: "eu-south-2" }, network: { availabilityZones: zones }, edge: { ...EDGE, loadBalancer: { scheme } } }),
      ).toContainEqual({
        location: "edge.loadBalancer.cloudFrontPrefixListId",
        message:
          "is required in this region (the project knows the id only for 16 regions): the ALB admits HTTPS only from CloudFront's origin-facing prefix list; give the id of com.amazonaws.global.cloudfront.origin-facing in eu-south-2 (aws ec2 describe-managed-prefix-lists --region eu-south-2 --filters Name=prefix-list-name,Values=com.amazonaws.global.cloudfront.origin-facing)",
      });
    },
  );

  it("default the prefix list to the id AWS publishes for the region, and let the config override it", () => {
    const resolved = (loadBalancer: { cloudFrontPrefixListId?: string }) => {
      const result = validateEnvironment("test", "config/test.yaml", environmentInput({ edge: { ...EDGE, loadBalancer } }));
      return "environment" in result ? result.environment.edge?.loadBalancer.cloudFrontPrefixListId : undefined;
    };
    // eu-central-1's com.amazonaws.global.cloudfront.origin-facing (aws ec2 describe-managed-prefix-lists)
    expect(resolved({})).toBe("pl-a3a144ca");
    expect(resolved({ cloudFrontPrefixListId: PREFIX_LIST })).toBe(PREFIX_LIST);
  });

  it("reject a domain, zone id, repository name or rate limit AWS would refuse", () => {
    const found = problems({
      edge: { ...EDGE, domainName: "Shop.Example", hostedZoneId: "zone-1", ecrRepositories: ["Web"], waf: { rateLimit: 5 } },
    });
    expect(found.map((problem) => problem.location)).toEqual(["edge.domainName", "edge.hostedZoneId", "edge.ecrRepositories[0]", "edge.waf.rateLimit"]);
    expect(found[0].message).toContain("must be a lower-case DNS domain");
    expect(found[3].message).toContain("must be between 10 and 2000000000 requests per 5 minutes");
  });

  it("reject a Git URL that is neither https nor ssh", () => {
    expect(problems({ edge: { ...EDGE, gitops: { repoURL: "http://example.com/repo.git" } } })).toEqual([
      { location: "edge.gitops.repoURL", message: expect.stringContaining("must be an https://, ssh:// or git@ Git URL") },
    ]);
  });

  it("reject a GitHub repository that is not owner/name", () => {
    expect(problems({ github: { repository: "webapp" } })).toEqual([
      { location: "github.repository", message: expect.stringContaining("must be <owner>/<repository>") },
    ]);
  });
});
