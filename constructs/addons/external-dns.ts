import { formatArn } from "../core/aws-scope";
import { WorkloadRole } from "../iam/workload-role";
import { AddOn, placement, containerResources } from "./add-on";

/**
 * external-dns: Route53 records for Ingresses and Services, only in the configured zones. The TXT owner id is the
 * environment's prefix, so environments sharing a zone never touch each other's records; production only upserts.
 */
export const externalDns: AddOn<"externalDns", WorkloadRole> = {
  name: "externalDns",
  releaseName: "external-dns",
  chart: { chart: "external-dns", repository: "https://kubernetes-sigs.github.io/external-dns/", version: "1.21.1" },
  namespace: "external-dns",
  podSecurity: { level: "restricted" },
  resources(context) {
    return context.irsaRole("external-dns", [
      {
        Sid: "ChangeOwnZones",
        Effect: "Allow",
        Action: ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:ListTagsForResources"],
        Resource: context.settings.hostedZoneIds.map((id) =>
          formatArn(context.scope, { service: "route53", region: "", account: "", resource: `hostedzone/${id}` }),
        ),
      },
      // ListHostedZones takes no resource; GetChange reads the status of a change batch, never a zone.
      { Sid: "ListZones", Effect: "Allow", Action: "route53:ListHostedZones", Resource: "*" },
      {
        Sid: "ReadChangeStatus",
        Effect: "Allow",
        Action: "route53:GetChange",
        Resource: formatArn(context.scope, { service: "route53", region: "", account: "", resource: "change/*" }),
      },
    ]);
  },
  values(context, role) {
    return {
      provider: { name: "aws" },
      serviceAccount: { name: "external-dns", annotations: role.serviceAccountAnnotations },
      env: [{ name: "AWS_DEFAULT_REGION", value: context.location.region }],
      sources: ["service", "ingress"],
      // Production never deletes records it did not create in this run: a bad manifest cannot wipe DNS.
      policy: context.production ? "upsert-only" : "sync",
      registry: "txt",
      txtOwnerId: context.prefix,
      domainFilters: context.settings.domainFilters,
      extraArgs: context.settings.hostedZoneIds.map((id) => `--zone-id-filter=${id}`),
      // external-dns has no leader election: one replica is the only safe count.
      priorityClassName: "system-cluster-critical",
      ...placement(context, "system"),
      resources: containerResources("20m", "64Mi", "128Mi"),
    };
  },
};
