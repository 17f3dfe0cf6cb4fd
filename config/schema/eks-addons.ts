/**
 * The EKS managed add-on versions that exist for each Kubernetes minor, so a version EKS does not publish for the
 * cluster's minor is refused at config load instead of failing CreateAddon at apply. Source: `aws eks
 * describe-addon-versions` per add-on and minor, as of `ADDONS_AS_OF`; refresh with `npm run catalog:addons` (needs AWS
 * credentials; rewrites eks-addons-data.ts). A minor the catalog has no versions of an add-on for (a minor newer than
 * the last refresh, on the documented upgrade path) is not checked.
 */
import { ADDONS_AS_OF, EKS_ADDON_VERSIONS } from "./eks-addons-data";

/** The EKS name of each add-on under `cluster.addons`. */
export const EKS_ADDON_NAMES: Readonly<Record<string, string>> = {
  vpcCni: "vpc-cni",
  coredns: "coredns",
  kubeProxy: "kube-proxy",
  ebsCsiDriver: "aws-ebs-csi-driver",
  podIdentityAgent: "eks-pod-identity-agent",
  snapshotController: "snapshot-controller",
};

/** Numbers of `v1.21.1-eksbuild.7` (or a minor "1.35") in order: 1, 21, 1, 7. */
function numbers(version: string): number[] {
  return (version.match(/\d+/g) ?? []).map(Number);
}

/** Orders add-on versions (and Kubernetes minors) by their numbers: v1.21.1-eksbuild.7 < v1.21.1-eksbuild.8 < v1.22.0-eksbuild.1. */
export function compareAddonVersions(a: string, b: string): number {
  const [left, right] = [numbers(a), numbers(b)];
  for (let index = 0; index < Math.max(left.length, right.length); index += 1) {
    const difference = (left[index] ?? -1) - (right[index] ?? -1);
    if (difference !== 0) return difference;
  }
  return a.localeCompare(b);
}

/**
 * Why `version` of the add-on under `cluster.addons.<key>` does not exist for Kubernetes `minor`, naming the nearest
 * published versions below and above it; undefined when it exists or the catalog has nothing for that add-on and minor.
 */
export function unknownAddonVersion(key: string, version: string, minor: string): string | undefined {
  const addon = EKS_ADDON_NAMES[key];
  const published = addon === undefined ? undefined : EKS_ADDON_VERSIONS[addon]?.[minor];
  if (published === undefined || published.length === 0 || published.includes(version)) return undefined;
  const sorted = [...published].sort(compareAddonVersions);
  const below = sorted.filter((candidate) => compareAddonVersions(candidate, version) < 0).at(-1);
  const above = sorted.find((candidate) => compareAddonVersions(candidate, version) > 0);
  const nearest = [below, above].filter((candidate): candidate is string => candidate !== undefined);
  return (
    `"${version}" is not a ${addon} version EKS publishes for Kubernetes ${minor} (cluster.version); nearest: ${nearest.join(", ")}` +
    ` (add-on catalog as of ${ADDONS_AS_OF}: ${sorted.length} versions; npm run catalog:addons refreshes it)`
  );
}
