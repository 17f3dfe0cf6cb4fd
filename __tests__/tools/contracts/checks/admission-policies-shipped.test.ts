import { ADD_ON_IMAGE_PREFIXES } from "../../../../constructs/addons/kyverno";
import { admissionPoliciesContract, qualifiedImage, valuesImages } from "../../../../tools/contracts/checks/admission-policies";
import { buildSystemModels, effectiveValues, publishedChartDefaults } from "../../../../tools/contracts/model";
import type { SystemModel } from "../../../../tools/contracts/types";
import { asArray, asMap, isMap } from "../../../../tools/contracts/values";
import { shippedEnvironments } from "../../../support/environments";
import { synthesizeShipped } from "../../support";

const chartDefaults = publishedChartDefaults();
const models: SystemModel[] = buildSystemModels(shippedEnvironments(), synthesizeShipped(), chartDefaults);

/** Every `image: <reference>` string anywhere in a value (pod specs the platform writes, extraContainers in values). */
function imageStrings(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(imageStrings);
  if (!isMap(value)) return [];
  return Object.entries(value).flatMap(([key, inner]) => (key === "image" && typeof inner === "string" ? [inner] : imageStrings(inner)));
}

/** Every image the shipped system names: the charts' values (defaults and the platform's) and every object and pod spec. */
function imagesOf(model: SystemModel): string[] {
  return [
    ...model.releases.flatMap((release) => {
      const values = effectiveValues(release, chartDefaults);
      return [...valuesImages(release.chart, values), ...imageStrings(values)];
    }),
    ...model.objects.flatMap(({ object }) => imageStrings(object)),
    ...model.workloads.flatMap((workload) => asArray(workload.podSpec.containers).map((container) => asMap(container).image)),
  ]
    .filter((image): image is string => typeof image === "string" && image.length > 0)
    .map(qualifiedImage);
}

describe("the registries the Kyverno add-on allows", () => {
  it("each add-on's image prefix is used by some image of the shipped environments (no stale registry is allowed)", () => {
    const images = models.flatMap(imagesOf);
    // Only the add-ons some environment of the config under test enables: an adopter may switch one off everywhere.
    const enabled = (Object.keys(ADD_ON_IMAGE_PREFIXES) as (keyof typeof ADD_ON_IMAGE_PREFIXES)[]).filter((name) =>
      models.some((model) => model.environment.platform[name].enabled),
    );
    const unused = enabled.flatMap((name) => ADD_ON_IMAGE_PREFIXES[name] ?? []).filter((prefix) => !images.some((image) => image.startsWith(`${prefix}/`)));
    expect(unused).toEqual([]);
  });

  it.each(models.map((model) => [model.environment.name, model] as const))("%s: the admission-policies contract finds nothing", (_name, model) => {
    const result = admissionPoliciesContract(chartDefaults).check(model);
    expect(result.findings).toEqual([]);
    expect(result.checked).toBeGreaterThan(model.workloads.length);
  });
});
