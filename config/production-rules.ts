import type { ConfigProblem } from "./errors";
import type { EnvironmentConfig } from "./environment";

/**
 * What the free-form Helm values (`platform.<addOn>.values`) and the access modes may not do to an environment, so that
 * an override cannot weaken it without a word: the project's own values are safe, and `values` wins over them.
 * World-open admin endpoints are refused in every tier (the config already promises Argo CD is never open to the whole
 * internet); the rest only in a production tier, where a development shortcut would be an incident.
 */
export function checkProductionRules(environment: EnvironmentConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const production = environment.tier === "production";
  const add = (location: string, message: string) => problems.push({ file: environment.file, location, message });
  const { argoCd } = environment.platform;

  if (argoCd.enabled && argoCd.access.mode === "public") {
    argoCd.access.allowedCidrs.forEach((cidr, index) => {
      if (worldOpen(cidr)) {
        add(
          `platform.argoCd.access.allowedCidrs[${index}]`,
          `"${cidr}" admits the whole internet to Argo CD's admin endpoint; name the offices' or VPN's egress ranges, or use access.mode internal`,
        );
      }
    });
  }

  for (const [addOn, settings] of Object.entries(environment.platform)) {
    const values = (settings as { values?: unknown }).values;
    if (!isRecord(values)) continue;
    const base = `platform.${addOn}.values`;
    for (const found of worldOpenServices(values, base)) add(found.location, found.message);
    if (!production) continue;
    for (const rule of PRODUCTION_VALUE_RULES) {
      if (rule.addOn !== addOn) continue;
      const value = rule.path.reduce<unknown>((node, key) => (isRecord(node) ? node[key] : undefined), values);
      if (value !== undefined && rule.refuses(value)) {
        add(`${base}.${rule.path.join(".")}`, `${JSON.stringify(value)} is refused in a production tier: ${rule.why}`);
      }
    }
  }
  return problems;
}

interface ValueRule {
  readonly addOn: string;
  readonly path: readonly string[];
  readonly refuses: (value: unknown) => boolean;
  readonly why: string;
}

/** Development shortcuts of the pinned charts that a production environment never takes. */
const PRODUCTION_VALUE_RULES: readonly ValueRule[] = [
  {
    addOn: "vault",
    path: ["server", "dev", "enabled"],
    refuses: (value) => value === true,
    why: "Vault's dev mode keeps every secret in memory only, starts unsealed and prints a root token to its log",
  },
  {
    addOn: "vault",
    path: ["global", "tlsDisable"],
    refuses: (value) => value === true,
    why: "Vault would serve tokens and secrets over plain HTTP; the platform's private CA issues its certificate",
  },
  {
    addOn: "argoCd",
    path: ["configs", "params", "server.disable.auth"],
    refuses: (value) => value === true || value === "true",
    why: "Argo CD would accept every request without authentication",
  },
  {
    addOn: "argoCd",
    path: ["configs", "rbac", "policy.default"],
    refuses: (value) => value === "role:admin",
    why: "every user who logs in to Argo CD would be its admin; map SSO groups to admin instead (platform.argoCd.sso.groups)",
  },
  {
    addOn: "kubePrometheusStack",
    path: ["grafana", "grafana.ini", "auth.anonymous", "enabled"],
    refuses: (value) => value === true || value === "true",
    why: "anonymous Grafana users could read every dashboard and data source",
  },
];

/**
 * Services of type LoadBalancer and internet-facing ALB Ingresses in a values tree that admit the whole internet: no
 * source ranges, or a /0 among them. Internal load balancers (by annotation) are fine.
 */
function worldOpenServices(values: Record<string, unknown>, base: string): { location: string; message: string }[] {
  const found: { location: string; message: string }[] = [];
  const visit = (node: unknown, location: string): void => {
    if (Array.isArray(node)) return node.forEach((entry, index) => visit(entry, `${location}[${index}]`));
    if (!isRecord(node)) return;
    const annotation = (key: string): string => {
      const value = isRecord(node.annotations) ? node.annotations[key] : undefined;
      return typeof value === "string" || typeof value === "boolean" ? String(value) : "";
    };
    if (node.type === "LoadBalancer") {
      const internal =
        ["internal", "true"].includes(annotation("service.beta.kubernetes.io/aws-load-balancer-scheme")) ||
        annotation("service.beta.kubernetes.io/aws-load-balancer-internal") === "true";
      const ranges = Array.isArray(node.loadBalancerSourceRanges) ? node.loadBalancerSourceRanges.map(String) : [];
      if (!internal && (ranges.length === 0 || ranges.some(worldOpen))) {
        found.push({
          location: `${location}.type`,
          message: `"LoadBalancer" with ${ranges.length === 0 ? "no loadBalancerSourceRanges" : "a /0 among its loadBalancerSourceRanges"} puts this endpoint on the internet for everyone; set loadBalancerSourceRanges to the ranges that need it, or make it internal (service.beta.kubernetes.io/aws-load-balancer-scheme: internal)`,
        });
      }
    }
    if (node.enabled === true && annotation("alb.ingress.kubernetes.io/scheme") === "internet-facing") {
      const inbound = annotation("alb.ingress.kubernetes.io/inbound-cidrs")
        .split(",")
        .map((cidr) => cidr.trim())
        .filter((cidr) => cidr.length > 0);
      if (inbound.length === 0 || inbound.some(worldOpen)) {
        found.push({
          location: `${location}.annotations`,
          message: `an internet-facing ALB Ingress with ${inbound.length === 0 ? "no alb.ingress.kubernetes.io/inbound-cidrs" : "a /0 in alb.ingress.kubernetes.io/inbound-cidrs"} is open to everyone; list the ranges that need it in inbound-cidrs, or use scheme internal`,
        });
      }
    }
    for (const [key, value] of Object.entries(node)) visit(value, `${location}.${key}`);
  };
  visit(values, base);
  return found;
}

function worldOpen(cidr: string): boolean {
  return /\/0$/.test(cidr.trim());
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
