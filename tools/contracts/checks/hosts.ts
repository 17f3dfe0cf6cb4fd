import { regionOf, resourcesOfType } from "../terraform";
import type { Contract, ObjectModel, SystemModel } from "../types";
import { asArray, asMap, asString, valueAt } from "../values";
import { Findings, listOrNothing, objectLabel, objectsOfKind } from "./common";
import { scalarText } from "../../../constructs/core/json";

interface Certificate {
  readonly names: readonly string[];
  readonly region: string;
}

/** Whether a certificate name covers a host: exactly, or a wildcard one label deep. */
export function covers(name: string, host: string): boolean {
  const lowerName = name.toLowerCase();
  const lowerHost = host.toLowerCase();
  if (lowerName === lowerHost) return true;
  if (!lowerName.startsWith("*.")) return false;
  const dot = lowerHost.indexOf(".");
  return dot > 0 && lowerHost.slice(dot + 1) === lowerName.slice(2);
}

function certificates(model: SystemModel): Certificate[] {
  return resourcesOfType(model.stacks, "aws_acm_certificate").map((certificate) => ({
    names: [asString(certificate.values.domain_name), ...asArray(certificate.values.subject_alternative_names).map(asString)].filter(
      (name): name is string => !!name,
    ),
    region: regionOf(model.stacks, certificate) ?? model.environment.account.region,
  }));
}

interface HostUse {
  readonly consumer: string;
  readonly hosts: readonly string[];
  readonly region: string;
}

/** An Ingress needs a certificate when it serves TLS: `spec.tls`, or an ALB listening on HTTPS. */
function ingressUse(model: SystemModel, entry: ObjectModel): HostUse | undefined {
  const { object } = entry;
  const annotations = object.metadata.annotations ?? {};
  const tls = asArray(valueAt(object, "spec.tls"));
  const https = (annotations["alb.ingress.kubernetes.io/listen-ports"] ?? "").includes("HTTPS") || "alb.ingress.kubernetes.io/certificate-arn" in annotations;
  if (tls.length === 0 && !https) return undefined;
  const hosts = [
    ...asArray(valueAt(object, "spec.rules")).map((rule) => asString(asMap(rule).host)),
    ...tls.flatMap((block) => asArray(asMap(block).hosts).map(asString)),
  ].filter((host): host is string => !!host);
  return { consumer: objectLabel(entry), hosts: [...new Set(hosts)], region: model.environment.account.region };
}

function gatewayUse(model: SystemModel, entry: ObjectModel): HostUse | undefined {
  const hosts = asArray(valueAt(entry.object, "spec.listeners"))
    .map(asMap)
    .filter((listener) => listener.protocol === "HTTPS" || listener.protocol === "TLS")
    .map((listener) => asString(listener.hostname))
    .filter((host): host is string => !!host);
  return hosts.length ? { consumer: objectLabel(entry), hosts, region: model.environment.account.region } : undefined;
}

function ingressRouteUse(model: SystemModel, entry: ObjectModel): HostUse | undefined {
  if (!valueAt(entry.object, "spec.tls")) return undefined;
  const hosts = asArray(valueAt(entry.object, "spec.routes")).flatMap((route) =>
    [...(scalarText(asMap(route).match) ?? "").matchAll(/Host\(`([^`]+)`\)/g)].flatMap((match) => match.slice(1, 2)),
  );
  return hosts.length ? { consumer: objectLabel(entry), hosts, region: model.environment.account.region } : undefined;
}

export const hostsContract: Contract = {
  name: "hosts",
  description: "every HTTPS host (Ingress, Gateway, IngressRoute, CloudFront alias) has an ACM certificate covering it in its load balancer's region",
  check(model) {
    const findings = new Findings("hosts");
    const certs = certificates(model);
    const uses: HostUse[] = [
      ...objectsOfKind(model, "Ingress").map((entry) => ingressUse(model, entry)),
      ...objectsOfKind(model, "Gateway").map((entry) => gatewayUse(model, entry)),
      ...objectsOfKind(model, "IngressRoute").map((entry) => ingressRouteUse(model, entry)),
      // CloudFront takes viewer certificates from us-east-1 only.
      ...resourcesOfType(model.stacks, "aws_cloudfront_distribution").map((distribution) => ({
        consumer: `aws_cloudfront_distribution.${distribution.name} (${distribution.stack})`,
        hosts: asArray(distribution.values.aliases).map(String),
        region: "us-east-1",
      })),
    ].filter((use): use is HostUse => !!use);
    let checked = 0;
    for (const use of uses) {
      for (const host of use.hosts) {
        checked++;
        if (certs.some((cert) => cert.region === use.region && cert.names.some((name) => covers(name, host)))) continue;
        const elsewhere = certs.filter((cert) => cert.names.some((name) => covers(name, host))).map((cert) => `a certificate for it in ${cert.region}`);
        findings.add(
          use.consumer,
          `certificate for ${host} in ${use.region}`,
          elsewhere.length
            ? listOrNothing(elsewhere)
            : `certificates in ${use.region}: ${listOrNothing(certs.filter((cert) => cert.region === use.region).flatMap((cert) => cert.names))}`,
        );
      }
    }
    return { checked, findings: findings.list };
  },
};
