import { matchesWildcard } from "../../../constructs/iam/policy-document";

describe("matchesWildcard", () => {
  it("matches as IAM does: `*` any run, `?` one character, the rest literally; actions ignore case", () => {
    expect(matchesWildcard("s3:Get*", "s3:GetObject", true)).toBe(true);
    expect(matchesWildcard("s3:Get*", "S3:getobject", true)).toBe(true);
    expect(matchesWildcard("s3:Get*", "S3:getobject")).toBe(false);
    expect(matchesWildcard("arn:aws:s3:::bucket-?/*", "arn:aws:s3:::bucket-a/key/with\nnewline")).toBe(true);
    expect(matchesWildcard("arn:aws:s3:::bucket-?/*", "arn:aws:s3:::bucket-ab/key")).toBe(false);
    expect(matchesWildcard("a.b(c)+[d]", "a.b(c)+[d]")).toBe(true);
    expect(matchesWildcard("a.b", "axb")).toBe(false);
  });

  it("compiles each pattern once per case rule: a policy evaluation matches the same few patterns many times", () => {
    const compiled = jest.spyOn(global, "RegExp");
    try {
      for (let run = 0; run < 5; run++) {
        matchesWildcard("ec2:Describe*", "ec2:DescribeInstances", true);
        matchesWildcard("ec2:Describe*", "ec2:DescribeInstances");
      }
      const ofPattern = compiled.mock.calls.filter(([source]) => String(source).includes("ec2:Describe"));
      expect(ofPattern.map(([, flags]) => flags).sort()).toEqual(["is", "s"]);
    } finally {
      compiled.mockRestore();
    }
  });
});
