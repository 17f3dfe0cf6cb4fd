import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PlanInputs, planKey, readCachedPlan, toolchainFingerprint, withFileContents, writeCachedPlan } from "../../../tools/harness/plan-cache";

describe("the offline plan cache", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-cache-"));
  const upstreamState = path.join(dir, "upstream.tfstate");
  fs.writeFileSync(upstreamState, '{"outputs":{"vpc":{"value":"vpc-1"}}}');
  const stack = { "//": { metadata: { version: "0.21.0" } }, resource: { aws_vpc: { Vpc: { cidr_block: "10.0.0.0/16" } } } };
  const override = {
    terraform: { backend: { local: { path: "terraform.tfstate" } } },
    data: { terraform_remote_state: { network: { backend: "local", config: { path: upstreamState } } } },
  };
  const inputs = (): PlanInputs => ({ stack, override: withFileContents(override), args: ["plan", "-refresh=false"], toolchain: "tf-1.11.4/aws-5.100.0" });

  it("hits for the same inputs, wherever the run keeps its files and whatever cdktf's metadata says", () => {
    const key = planKey(inputs());
    writeCachedPlan({ dir }, key, '{"format_version":"1.2"}');
    expect(readCachedPlan({ dir }, planKey({ ...inputs(), stack: { ...stack, "//": { metadata: { version: "0.22.0" } } } }))).toBe('{"format_version":"1.2"}');
    const elsewhere = path.join(dir, "elsewhere.tfstate");
    fs.copyFileSync(upstreamState, elsewhere);
    const moved = { ...override, data: { terraform_remote_state: { network: { backend: "local", config: { path: elsewhere } } } } };
    expect(planKey({ ...inputs(), override: withFileContents(moved) })).toBe(key);
  });

  it("misses when the stack, a stand-in upstream state, the prior state, the arguments or the toolchain change", () => {
    const key = planKey(inputs());
    const changedStack = { ...stack, resource: { aws_vpc: { Vpc: { cidr_block: "10.1.0.0/16" } } } };
    const changedUpstream = path.join(dir, "changed.tfstate");
    fs.writeFileSync(changedUpstream, '{"outputs":{"vpc":{"value":"vpc-2"}}}');
    const movedOverride = { ...override, data: { terraform_remote_state: { network: { backend: "local", config: { path: changedUpstream } } } } };
    const variants = [
      planKey({ ...inputs(), stack: changedStack }),
      planKey({ ...inputs(), override: withFileContents(movedOverride) }),
      planKey({ ...inputs(), priorState: '{"version":4}' }),
      planKey({ ...inputs(), args: ["plan"] }),
      planKey({ ...inputs(), toolchain: "tf-1.11.5/aws-5.100.0" }),
    ];
    expect(new Set([key, ...variants]).size).toBe(variants.length + 1);
    for (const variant of variants) expect(readCachedPlan({ dir }, variant)).toBeUndefined();
  });

  it("fingerprints Terraform's version and each provider build in the mirror", () => {
    const mirror = path.join(dir, "mirror");
    const build = path.join(mirror, "registry.terraform.io", "hashicorp", "aws", "5.100.0", "linux_amd64");
    fs.mkdirSync(build, { recursive: true });
    fs.writeFileSync(path.join(build, "terraform-provider-aws_v5.100.0_x5"), "build 1");
    const providers = { "hashicorp/aws": "5.100.0" };
    const first = toolchainFingerprint("Terraform v1.11.4\non linux_amd64", mirror, providers);
    expect(toolchainFingerprint("Terraform v1.11.4\non linux_amd64", mirror, providers)).toBe(first);
    expect(toolchainFingerprint("Terraform v1.12.0\non linux_amd64", mirror, providers)).not.toBe(first);
    fs.writeFileSync(path.join(build, "terraform-provider-aws_v5.100.0_x5"), "rebuilt provider");
    expect(toolchainFingerprint("Terraform v1.11.4\non linux_amd64", mirror, providers)).not.toBe(first);
  });
});
