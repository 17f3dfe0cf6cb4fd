import * as path from "path";
import { ConfigError, formatProblem, loadEnvironments, validateEnvironment } from "../../config";
import { accountGuardrails, environmentGuardrails } from "../../config/schema/guardrails";
import { configFolder, lines, runApp, shown } from "../support/cli";
import { environmentInput, testEnvironment } from "../support/environments";

type Overrides = Parameters<typeof environmentInput>[0];

function problemsOf(overrides: Overrides): string[] {
  const result = validateEnvironment("test", "config/test.yaml", environmentInput(overrides));
  return "problems" in result ? result.problems.map((problem) => `${problem.location}: ${problem.message}`) : [];
}

/** What the loader says of a folder of environments: one line per problem. */
function loaderLines(files: Record<string, Overrides>): { dir: string; printed: string[] } {
  const dir = configFolder(Object.fromEntries(Object.entries(files).map(([name, overrides]) => [name, environmentInput(overrides)])));
  try {
    loadEnvironments({ dir });
    return { dir, printed: [] };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { dir, printed: error.problems.map(formatProblem) };
  }
}

describe("guardrails defaults", () => {
  it("are on in a production tier and off in the others, every service following the switch", () => {
    expect(environmentGuardrails(testEnvironment())).toEqual({
      enabled: true,
      services: { cloudTrail: true, guardDuty: true, config: true, securityHub: true, accessAnalyzer: true },
    });
    for (const tier of ["staging", "development"] as const) {
      const environment = testEnvironment({ tier, network: { oneNatGatewayPerAz: false } });
      expect(environmentGuardrails(environment).enabled).toBe(false);
      expect(Object.values(environmentGuardrails(environment).services).every((on) => !on)).toBe(true);
    }
  });

  it("can be turned on outside production, and one service off where an organization-level one replaces it", () => {
    const environment = testEnvironment({ tier: "development", guardrails: { enabled: true, guardDuty: { enabled: false } } });
    expect(environmentGuardrails(environment)).toEqual({
      enabled: true,
      services: { cloudTrail: true, guardDuty: false, config: true, securityHub: true, accessAnalyzer: true },
    });
  });

  it("keep a year of locked trail logs in governance mode, 90 days in CloudWatch Logs, and route medium findings and above", () => {
    expect(accountGuardrails([testEnvironment()])).toMatchObject({
      retentionDays: 365,
      objectLockMode: "governance",
      logRetentionDays: 90,
      s3DataEvents: false,
      findingSeverity: 4,
    });
  });
});

describe("environments of one account", () => {
  const a = testEnvironment({ guardrails: { cloudTrail: { retentionDays: 730, logRetentionDays: 30 }, guardDuty: { findingSeverity: "high" } } }, "a");
  const b = testEnvironment(
    {
      tier: "staging",
      guardrails: { enabled: true, securityHub: { enabled: false }, cloudTrail: { objectLockMode: "compliance", logRetentionDays: 365, s3DataEvents: true } },
    },
    "b",
  );

  it("merge to the strictest: longest retentions, compliance over governance, the lowest severity routed, data events when any asks", () => {
    expect(accountGuardrails([a, b])).toMatchObject({
      accountId: "123456789012",
      retentionDays: 730,
      objectLockMode: "compliance",
      logRetentionDays: 365,
      s3DataEvents: true,
      findingSeverity: 4,
    });
  });

  it("keep a service another environment wants when one merely leaves it to the default", () => {
    expect(accountGuardrails([a, b])?.services.securityHub).toBe(true);
  });

  it("take no setting from an environment that leaves guardrails off", () => {
    const off = testEnvironment({ tier: "staging", guardrails: { cloudTrail: { retentionDays: 3650 } } }, "off");
    expect(accountGuardrails([a, off])?.retentionDays).toBe(730);
    expect(accountGuardrails([off])).toBeUndefined();
  });
});

describe("bad guardrails input", () => {
  it("names the field, what is wrong and what is allowed", () => {
    expect(problemsOf({ guardrails: { cloudTrail: { retentionDays: 0 } } })).toEqual(["guardrails.cloudTrail.retentionDays: must be at least 1 day; got 0"]);
    expect(problemsOf({ guardrails: { cloudTrail: { objectLockMode: "strict" as "governance" } } })).toEqual([
      expect.stringMatching(/^guardrails\.cloudTrail\.objectLockMode: .*"governance".*"compliance"/),
    ]);
    expect(problemsOf({ guardrails: { guardDuty: { findingSeverity: "critical" as "high" } } })).toEqual([
      expect.stringMatching(/^guardrails\.guardDuty\.findingSeverity: .*"low".*"medium".*"high"/),
    ]);
  });

  it("refuses, one line each, an environment that turns the guardrails (or one service) off while another of its account turns them on", () => {
    const { dir, printed } = loaderLines({
      on: {},
      off: { tier: "staging", guardrails: { enabled: false } },
      notrail: { guardrails: { cloudTrail: { enabled: false } } },
    });
    const file = (name: string) => shown(path.join(dir, `${name}.yaml`));
    expect(printed).toEqual([
      `${file("notrail")}: guardrails.cloudTrail.enabled: is false, but ${file("on")} wants it in the same account 123456789012, which has one guardrails stack; remove the line (or set true), or set false there too`,
      `${file("off")}: guardrails.enabled: is false, but ${file("notrail")}, ${file("on")} turn on the guardrails of the same account 123456789012, which has one guardrails stack; remove the line (or set true), or set false there too`,
    ]);
  });

  it("refuses the project name guardrails, the prefix of the account stack's names that every environment role is denied", () => {
    const { dir, printed } = loaderLines({ shop: { project: "guardrails" } });
    expect(printed).toEqual([
      `${shown(path.join(dir, "shop.yaml"))}: project: "guardrails" is the prefix of the account guardrails' names, which every environment role is denied; choose another project name`,
    ]);
  });

  it("accepts the same switches in environments of different accounts", () => {
    expect(
      loaderLines({
        on: {},
        off: { account: { id: "210987654321", region: "eu-central-1" }, guardrails: { enabled: false } },
      }).printed,
    ).toEqual([]);
  });

  it("stops the synth with exit 1 and those lines only, no stack trace", () => {
    const run = runApp(configFolder({ on: environmentInput(), off: environmentInput({ tier: "staging", guardrails: { enabled: false } }) }));
    expect(run.status).toBe(1);
    expect(lines(run.stderr)).toEqual([
      expect.stringMatching(/off\.yaml: guardrails\.enabled: is false, but .*on\.yaml turns on the guardrails of the same account 123456789012/),
    ]);
  });
});
