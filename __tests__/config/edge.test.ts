import { validateEnvironment } from "../../config";
import { environmentInput } from "../support/environments";

const EDGE = { domainName: "shop.example.org", gitops: { repoURL: "https://github.com/acme/shop.git" } };

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

  it("require CloudFront's prefix list for an internet-facing ALB", () => {
    expect(problems({ edge: { ...EDGE, loadBalancer: { scheme: "internet-facing" } } })).toEqual([
      { location: "edge.loadBalancer.cloudFrontPrefixListId", message: expect.stringContaining("is required for an internet-facing ALB") },
    ]);
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
