import * as fs from "fs";
import { DATA_FILE, dataModule, zoneLetters } from "../../../tools/catalog/zones";
import { ZONE_LETTERS, ZONES_AS_OF } from "../../../config/schema/availability-zones-data";
import { unknownZone } from "../../../config/schema/availability-zones";

describe("the availability-zone catalog", () => {
  it("reads the letters of a region's availability zones, not its Local Zones", () => {
    const output = {
      AvailabilityZones: [
        { ZoneName: "us-west-2b", ZoneType: "availability-zone" },
        { ZoneName: "us-west-2a", ZoneType: "availability-zone" },
        { ZoneName: "us-west-2-lax-1a", ZoneType: "local-zone" },
      ],
    };
    expect(zoneLetters("us-west-2", output)).toBe("ab");
  });

  it("is the module the refresh writes, so a refresh rewrites it and nothing else", () => {
    const text = fs.readFileSync(DATA_FILE, "utf8");
    const origin = text.split("\n")[1].replace(/^\/\/ /, "");
    expect(dataModule(ZONES_AS_OF, ZONE_LETTERS, origin)).toBe(text);
  });

  it("refuses a letter a listed region does not have and accepts every region it does not list", () => {
    expect(unknownZone("eu-west-1", "eu-west-1d")).toBe(
      `"eu-west-1d" is not an availability zone of eu-west-1; it has eu-west-1a, eu-west-1b, eu-west-1c (as of ${ZONES_AS_OF})`,
    );
    expect(unknownZone("eu-west-1", "eu-west-1c")).toBeUndefined();
    expect(unknownZone("mx-central-1", "mx-central-1c")).toBeUndefined();
  });
});
