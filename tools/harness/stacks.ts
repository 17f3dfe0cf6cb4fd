import { awsLocation, readSynthesizedStacks, regionOf, StackJson } from "../lib/synth-output";
import { UpstreamContext } from "./remote-state";

/** A synthesized stack as the harness sees it: its JSON and the upstream stacks whose state it reads. */
export interface SynthesizedStackInfo {
  readonly name: string;
  readonly json: StackJson;
  /** Providers it needs, as `namespace/type` → version. */
  readonly providers: Record<string, string>;
  /** `data.terraform_remote_state` name → upstream stack name. */
  readonly upstreams: Record<string, string>;
  /**
   * Where its AWS provider works; undefined for a stack without one (Terraform Cloud's workspaces stack, tfe only),
   * which the harness never plans: it has nothing of AWS to assert on, and its provider has no offline mirror.
   */
  readonly context: UpstreamContext | undefined;
}

/** A stack the harness plans: its providers are mirrored and it has an AWS provider. */
export type PlannableStack = SynthesizedStackInfo & { readonly context: UpstreamContext };

/** Every stack of a synth output folder with the providers it needs and the upstream stacks it reads. */
export function harnessStacks(outDir: string): SynthesizedStackInfo[] {
  const stacks = readSynthesizedStacks(outDir);
  // A Terraform Cloud stack's state is its workspace's (`cloud` block); its readers name it as a `remote` backend.
  const byStateLocation = new Map(
    stacks.map((stack) => [stateLocation(stack.json.terraform?.cloud ? { remote: stack.json.terraform.cloud } : stack.json.terraform?.backend), stack.name]),
  );
  return stacks.map(({ name, json }) => {
    const remoteStates = json.data?.terraform_remote_state ?? {};
    const upstreams = Object.fromEntries(
      Object.entries(remoteStates).map(([dataName, config]) => {
        const location = stateLocation({ [config.backend as string]: config.config as Record<string, unknown> });
        const upstream = byStateLocation.get(location);
        if (!upstream) {
          throw new Error(`${name}: terraform_remote_state.${dataName} reads ${location}, which no synthesized stack writes`);
        }
        return [dataName, upstream];
      }),
    );
    const aws = regionOf({ name, json }) === undefined ? undefined : awsLocation({ name, json });
    return {
      name,
      json,
      providers: Object.fromEntries(
        Object.values(json.terraform?.required_providers ?? {}).map((provider) => [
          provider.source?.includes("/") ? provider.source : `hashicorp/${provider.source}`,
          provider.version ?? "",
        ]),
      ),
      upstreams,
      // Stand-in ARNs need an account: a stack that allows any account gets an all-zero one.
      context: aws && { stackName: name, region: aws.region, partition: aws.partition, accountId: aws.accountId ?? "000000000000" },
    };
  });
}

/** Stacks that Terraform can plan here: those with an AWS provider whose providers are all in the mirror (today: hashicorp/aws only). */
export function isPlannable(stack: SynthesizedStackInfo, available: readonly string[]): stack is PlannableStack {
  return stack.context !== undefined && Object.keys(stack.providers).every((source) => available.includes(source));
}

/** Orders stacks so that every upstream comes before the stacks that read it. */
export function dependencyOrder(stacks: readonly SynthesizedStackInfo[]): SynthesizedStackInfo[] {
  const byName = new Map(stacks.map((stack) => [stack.name, stack]));
  const ordered: SynthesizedStackInfo[] = [];
  const visiting = new Set<string>();
  const visit = (stack: SynthesizedStackInfo): void => {
    if (ordered.includes(stack)) return;
    if (visiting.has(stack.name)) throw new Error(`stack dependency cycle through ${stack.name}`);
    visiting.add(stack.name);
    for (const upstream of Object.values(stack.upstreams)) visit(byName.get(upstream)!);
    visiting.delete(stack.name);
    ordered.push(stack);
  };
  stacks.forEach(visit);
  return ordered;
}

function stateLocation(backend: Record<string, Record<string, unknown>> | undefined): string {
  const [[type, config] = []] = Object.entries(backend ?? {});
  if (type === undefined || config === undefined) return "(no backend)";
  if (type === "s3") return `s3://${String(config.bucket)}/${String(config.key)}`;
  if (type === "local") return `local:${String(config.path)}`;
  if (type === "remote") {
    // Terraform Cloud: the same workspace whichever of `cloud` and `remote` names it, with the host's default.
    const { hostname = "app.terraform.io", organization, workspaces } = config as { hostname?: string; organization?: string; workspaces?: { name?: string } };
    return `remote://${hostname}/${String(organization)}/${String(workspaces?.name)}`;
  }
  return `${type}:${JSON.stringify(config)}`;
}
