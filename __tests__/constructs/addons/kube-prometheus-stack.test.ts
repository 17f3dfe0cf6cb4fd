import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { matches, parsePromql, selectorsOf } from "../../support/promql";
import { environmentInput, REPO_ROOT, shippedEnvironments, testEnvironment } from "../../support/environments";
import { validateEnvironment } from "../../../config";
import { synthPlatform } from "../../support/platform";
import type { EnvironmentInput } from "../../../config/schema/environment";

/** The receiver that drops an alert (it stays visible in Alertmanager's UI). */
const DROPPED = "null";

interface Rule {
  readonly alert: string;
  readonly expr: string;
  readonly labels: { severity: string };
}

/** The rules every cluster gets (the platform's) and the application's, as Prometheus receives them. */
function platformRules(): Rule[] {
  const values = synthPlatform(shippedEnvironments()[0]).values("kube-prometheus-stack");
  return values.additionalPrometheusRulesMap["platform-alerts"].groups.flatMap((group: { rules: Rule[] }) => group.rules);
}
function applicationRules(): Rule[] {
  const [rule] = parseAllDocuments(fs.readFileSync(path.join(REPO_ROOT, "gitops", "base", "prometheus-rule.yaml"), "utf8")).map((document) =>
    document.toJSON(),
  );
  return rule.spec.groups.flatMap((group: { rules: Rule[] }) => group.rules);
}

/** The labels each metric has, from its exporter (kube-state-metrics, node-exporter, kubelet, cAdvisor) or the app. */
const METRIC_LABELS: Record<string, readonly string[]> = {
  kube_pod_status_ready: ["namespace", "pod", "condition", "uid"],
  kube_pod_status_phase: ["namespace", "pod", "phase", "uid"],
  kube_pod_container_status_restarts_total: ["namespace", "pod", "container", "uid"],
  kube_pod_container_resource_limits: ["namespace", "pod", "container", "node", "resource", "unit", "uid"],
  kube_horizontalpodautoscaler_status_current_replicas: ["namespace", "horizontalpodautoscaler"],
  kube_horizontalpodautoscaler_spec_max_replicas: ["namespace", "horizontalpodautoscaler"],
  node_cpu_seconds_total: ["instance", "cpu", "mode"],
  node_memory_MemAvailable_bytes: ["instance"],
  node_memory_MemTotal_bytes: ["instance"],
  kubelet_volume_stats_available_bytes: ["namespace", "persistentvolumeclaim"],
  kubelet_volume_stats_capacity_bytes: ["namespace", "persistentvolumeclaim"],
  container_cpu_usage_seconds_total: ["namespace", "pod", "container"],
  container_memory_working_set_bytes: ["namespace", "pod", "container"],
  // The application's own (app/ exports them on its metrics port; the ServiceMonitor adds namespace and pod).
  http_requests_total: ["namespace", "pod", "method", "route", "status", "rollouts_pod_template_hash"],
  http_request_duration_seconds_bucket: ["namespace", "pod", "method", "route", "status", "le", "rollouts_pod_template_hash"],
};

describe("alert rules: expression shape", () => {
  const rules = [...platformRules(), ...applicationRules()];

  it.each(rules.map((rule) => [rule.alert, rule] as const))("%s parses, selects known metrics by labels they have, and is critical or warning", (_, rule) => {
    const expression = parsePromql(rule.expr);
    expect(["critical", "warning"]).toContain(rule.labels.severity);
    for (const selector of selectorsOf(expression)) {
      expect(Object.keys(METRIC_LABELS)).toContain(selector.metric);
      for (const matcher of selector.matchers)
        expect([selector.metric, matcher.label, METRIC_LABELS[selector.metric!].includes(matcher.label)]).toEqual([selector.metric, matcher.label, true]);
    }
  });

  it("PodNotReady counts only pods meant to run: a completed (Succeeded) Job pod never matches", () => {
    const rule = platformRules().find((candidate) => candidate.alert === "PodNotReady")!;
    const expression = parsePromql(rule.expr);
    if (expression.type !== "binary") throw new Error("expected `not ready and on (namespace, pod) running`");
    expect(expression.op).toBe("and");
    expect(expression.on).toEqual(["namespace", "pod"]);
    const [phase] = selectorsOf(expression.rhs).filter((selector) => selector.metric === "kube_pod_status_phase");
    const phaseMatcher = phase.matchers.find((matcher) => matcher.label === "phase")!;
    expect(["Succeeded", "Failed"].filter((value) => matches(phaseMatcher, value))).toEqual([]);
    expect(["Pending", "Running", "Unknown"].every((value) => matches(phaseMatcher, value))).toBe(true);
  });

  it("pages only for what cannot wait: a volume about to fill is critical, the rest of the platform's alerts warn", () => {
    expect(
      platformRules()
        .filter((rule) => rule.labels.severity === "critical")
        .map((rule) => rule.alert),
    ).toEqual(["PersistentVolumeAlmostFull"]);
  });

  it("the parser rejects what Prometheus would (so the shape tests can fail)", () => {
    expect(() => parsePromql("sum(rate(x[5m])")).toThrow();
    expect(() => parsePromql('up{job=~"a"')).toThrow();
    expect(() => parsePromql("sumx(up)")).toThrow("unknown function sumx");
  });
});

type Route = { receiver: string; matchers?: string[]; continue?: boolean };

/** Alertmanager's routing, for a flat route list under the root: every matching route until one without continue. */
function receiversOf(config: { route: Route & { routes: Route[] } }, labels: Record<string, string>): string[] {
  const hit = (route: Route) =>
    (route.matchers ?? []).every((matcher) => {
      const [, label, op, value] = /^(\w+) (=|!=|=~|!~) "(.*)"$/.exec(matcher)!;
      return matches({ label, op: op as "=", value }, labels[label] ?? "");
    });
  const found: string[] = [];
  for (const route of config.route.routes) {
    if (!hit(route)) continue;
    found.push(route.receiver);
    if (!route.continue) return found;
  }
  return found.length > 0 ? found : [config.route.receiver];
}

function alertmanagerOf(receivers: readonly object[]) {
  const input = { kubePrometheusStack: { alertmanager: { receivers } } } as NonNullable<EnvironmentInput["platform"]>;
  return synthPlatform(testEnvironment({ platform: input })).values("kube-prometheus-stack").alertmanager;
}

const pager = { name: "pager", type: "pagerduty", secretName: "shop/pagerduty" } as const;
const chat = { name: "chat", type: "slack", secretName: "shop/slack", channel: "#alerts" } as const;
const mail = {
  name: "mail",
  type: "email",
  secretName: "shop/smtp",
  email: { to: ["oncall@example.com"], from: "am@example.com", smarthost: "smtp.example.com:587" },
} as const;

describe("Alertmanager routing by severity", () => {
  it("critical pages, warning goes to chat and e-mail, Watchdog goes nowhere", () => {
    const { config } = alertmanagerOf([pager, chat, mail]);
    expect(receiversOf(config, { severity: "critical", alertname: "WebHighErrorRate" })).toEqual(["pager"]);
    expect(receiversOf(config, { severity: "warning", alertname: "PodNotReady" })).toEqual(["chat", "mail"]);
    expect(receiversOf(config, { severity: "warning", alertname: "Watchdog" })).toEqual([DROPPED]);
    expect(receiversOf(config, { severity: "info", alertname: "Info" })).toEqual([DROPPED]);
  });

  it("falls back when no receiver takes a severity: critical to whatever exists, warning never to the pager", () => {
    expect(receiversOf(alertmanagerOf([chat]).config, { severity: "critical" })).toEqual(["chat"]);
    expect(receiversOf(alertmanagerOf([pager]).config, { severity: "warning" })).toEqual([DROPPED]);
    expect(receiversOf(alertmanagerOf([pager]).config, { severity: "critical" })).toEqual(["pager"]);
    expect(receiversOf(alertmanagerOf([]).config, { severity: "critical" })).toEqual([DROPPED]);
  });

  it("routes only to receivers it defines, each reading its key from the mounted Secret's file", () => {
    const { config, alertmanagerSpec } = alertmanagerOf([pager, chat, mail]);
    const defined = config.receivers.map((receiver: { name: string }) => receiver.name);
    for (const route of config.route.routes as Route[]) expect(defined).toContain(route.receiver);
    const [mount] = alertmanagerSpec.volumeMounts;
    const files = JSON.stringify(config.receivers).match(/"\w+_file":"[^"]+"/g)!;
    expect(files).toHaveLength(3);
    for (const file of files) expect(file).toContain(`${mount.mountPath}/`);
    expect(config.receivers).toContainEqual({
      name: "mail",
      email_configs: [
        expect.objectContaining({
          to: "oncall@example.com",
          smarthost: "smtp.example.com:587",
          auth_password_file: `${mount.mountPath}/mail`,
          require_tls: true,
        }),
      ],
    });
  });

  it("starts and loads its config before the receivers' Secret exists: the Secret is an optional volume", () => {
    const { alertmanagerSpec } = alertmanagerOf([pager]);
    expect(alertmanagerSpec.secrets ?? []).toEqual([]);
    expect(alertmanagerSpec.volumes).toEqual([
      { name: "receivers", projected: { sources: [{ secret: { name: "alertmanager-receiver-pager", optional: true } }] } },
    ]);
  });

  it.each(shippedEnvironments().map((environment) => [environment.name, environment] as const))(
    "%s: every severity reaches a receiver the config names, or the null one",
    (_, environment) => {
      const { config } = synthPlatform(environment).values("kube-prometheus-stack").alertmanager;
      const names = environment.platform.kubePrometheusStack.alertmanager.receivers.map((receiver) => receiver.name);
      for (const severity of ["critical", "warning"]) {
        const reached = receiversOf(config, { severity });
        expect(reached.every((receiver) => names.includes(receiver) || receiver === DROPPED)).toBe(true);
        if (names.length > 0) expect(reached).not.toContain(DROPPED);
      }
    },
  );
});

/** Issue 20, break 6: SES logs in with SMTP credentials, never with the from address. */
describe("e-mail through Amazon SES", () => {
  const region = testEnvironment().account.region;
  const ses = { ...mail, email: { ...mail.email, smarthost: `email-smtp.${region}.amazonaws.com:587` } };
  const problemsOf = (receiver: object) => {
    const input = environmentInput({ platform: { kubePrometheusStack: { alertmanager: { receivers: [receiver] } } } as EnvironmentInput["platform"] });
    const result = validateEnvironment("test", "config/test.yaml", input);
    return "problems" in result ? result.problems : [];
  };

  it("refuses an SES smarthost whose login would be the from address, in one line naming the field and the fix", () => {
    const [problem] = problemsOf(ses);
    expect(problem).toMatchObject({ file: "config/test.yaml", location: "platform.kubePrometheusStack.alertmanager.receivers[0].email.username" });
    expect(problem.message).toMatch(
      /^must be the SMTP user name of an SES SMTP credential .*unset \(the from address\).*shop\/smtp.*example\.com must be a verified SES identity/,
    );
    expect(problem.message).not.toContain("\n");
    expect(problemsOf({ ...ses, email: { ...ses.email, username: ses.email.from } })[0].message).toContain(`not "${ses.email.from}"`);
  });

  it("accepts SES with an SMTP credential's user name, and logs in with it", () => {
    const username = "AKIAIOSFODNN7EXAMPLE";
    expect(problemsOf({ ...ses, email: { ...ses.email, username } })).toEqual([]);
    const { config } = alertmanagerOf([{ ...ses, email: { ...ses.email, username } }]);
    expect(config.receivers.find((receiver: { name: string }) => receiver.name === "mail").email_configs[0]).toMatchObject({
      auth_username: username,
      smarthost: ses.email.smarthost,
      require_tls: true,
    });
  });

  it("leaves other SMTP servers as they are (the from address may be their login)", () => {
    expect(problemsOf(mail)).toEqual([]);
  });
});
