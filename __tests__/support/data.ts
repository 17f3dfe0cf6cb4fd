import { TerraformStack } from "cdktf";
import { EnvironmentConfig } from "../../config";
import { AuroraPostgres, POSTGRES_PORT } from "../../constructs/database/aurora-postgres";
import { Network } from "../../constructs/network/network";
import { DataStack } from "../../stacks/data-stack";
import { NetworkStack } from "../../stacks/network-stack";
import { testApp, testEnvironment } from "./environments";
import { fakeCluster } from "./fake-cluster";
import { synthStack, SynthesizedStack } from "./synth";

/** An environment's `<env>-data` stack next to its network stack, as main.ts wires them. */
export function dataStack(environment: EnvironmentConfig): DataStack {
  const app = testApp();
  const network = new NetworkStack(app, environment);
  return new DataStack(app, environment, { network: network.network, cluster: fakeCluster() });
}

export function synthData(environment: EnvironmentConfig): SynthesizedStack {
  return synthStack(dataStack(environment));
}

/** A database in the test environment's network, with the test environment's database settings unless `props` says otherwise. */
export function databaseIn(stack: TerraformStack, props: Partial<ConstructorParameters<typeof AuroraPostgres>[2]> = {}): AuroraPostgres {
  const environment = testEnvironment();
  const network = new Network(stack, "Network", {
    namePrefix: "shop-test",
    cidr: environment.network.cidr,
    subnetPlan: environment.network.subnetPlan,
    databasePort: POSTGRES_PORT,
    oneNatGatewayPerAz: false,
    flowLogs: { enabled: false, retentionDays: 30, trafficType: "ALL" },
    s3GatewayEndpoint: false,
    interfaceEndpoints: [],
  });
  const { database } = environment;
  return new AuroraPostgres(stack, "Db", {
    namePrefix: "shop-test",
    network,
    engineVersion: "15.10",
    instanceClass: database.instanceClass,
    serverless: database.serverless,
    readers: database.readers,
    backupRetentionDays: database.backupRetentionDays,
    backupWindow: database.backupWindow,
    maintenanceWindow: database.maintenanceWindow,
    applyImmediately: database.applyImmediately,
    storageType: database.storageType,
    performanceInsightsRetentionDays: database.performanceInsightsRetentionDays,
    monitoringIntervalSeconds: database.monitoringIntervalSeconds,
    logRetentionDays: database.logRetentionDays,
    slowQueryMilliseconds: database.slowQueryMilliseconds,
    ...props,
  });
}
