import { IConstruct } from "constructs";
import { TerraformProvider, TerraformResource } from "cdktf";

/**
 * Puts every resource under `scope` on `provider` (for example the us-east-1 alias that CloudFront's certificate,
 * WAF and log delivery need), so reusable constructs such as KmsKey work in another region without a provider prop.
 */
export function useProvider(scope: IConstruct, provider: TerraformProvider): void {
  for (const child of scope.node.findAll()) {
    if (child instanceof TerraformResource) {
      child.provider = provider;
    }
  }
}
