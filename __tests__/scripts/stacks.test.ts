import { buildApp } from "../../main";
import { stacksInDeployOrder } from "../../scripts/stacks";
import { shippedEnvironment, testApp } from "../support/environments";

describe("scripts/stacks.ts (the deploy workflow's stack order)", () => {
  it("lists every stack of the environment in deploy order, edge before delivery, and nothing of other environments", () => {
    const app = buildApp(testApp(), [shippedEnvironment("staging")]);
    expect(stacksInDeployOrder(app, "staging")).toEqual([
      "staging-network",
      "staging-cluster",
      "staging-data",
      "staging-platform",
      "staging-edge",
      "staging-delivery",
    ]);
    expect(stacksInDeployOrder(app, "prod")).toEqual([]);
  });
});
