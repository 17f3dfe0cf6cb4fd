import { cliConfigText } from "../../../tools/harness/cli-config";

describe("the project's Terraform CLI config", () => {
  it("installs the mirrored providers from the mirror only, or from the mirror first for deploys", () => {
    const offline = cliConfigText("/opt/tf-plugins", ["hashicorp/aws"], false);
    expect(offline).toContain('path    = "/opt/tf-plugins"');
    expect(offline).toContain('include = ["registry.terraform.io/hashicorp/aws"]');
    expect(offline).not.toContain("direct");
    expect(cliConfigText("/m", ["hashicorp/aws"], true)).toContain('direct {\n    exclude = ["registry.terraform.io/hashicorp/aws"]');
    // Each stack's init links the provider from the harness's cache instead of copying 600+ MB per stack.
    const cached = cliConfigText("/m", ["hashicorp/aws"], false, "/w/plugin-cache");
    expect(cached).toContain('plugin_cache_dir = "/w/plugin-cache"');
    expect(cached).toContain("plugin_cache_may_break_dependency_lock_file = true");
    expect(cliConfigText("/m", ["hashicorp/aws"], false)).not.toContain("plugin_cache_dir");
  });
});
