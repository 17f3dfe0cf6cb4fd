/**
 * The availability-zone letters each region has, as `aws ec2 describe-availability-zones --region <r>` lists them
 * (zone names, state available, opt-in not required). In the oldest regions zone names map to different physical zones
 * per account and an account may see fewer of them (us-west-1: two of a–c; ap-northeast-1: three of a–d); the letters
 * here are every name any account can get, so the loader never refuses a zone that some account has.
 * Regions not listed (opened after the last refresh) are checked only for the `<region><letter>` shape.
 * Source: describe-availability-zones of every listed region, as of `ZONES_AS_OF`; refresh with `npm run catalog:zones`
 * (needs AWS credentials; rewrites availability-zones-data.ts).
 */
import { ZONE_LETTERS, ZONES_AS_OF } from "./availability-zones-data";

/** Why `zone` is not an availability zone of `region`, or undefined when it is (or the region is not listed). */
export function unknownZone(region: string, zone: string): string | undefined {
  const letters = ZONE_LETTERS[region];
  const letter = zone.slice(region.length);
  if (letters === undefined || letters.includes(letter)) return undefined;
  const names = [...letters].map((known) => `${region}${known}`).join(", ");
  return `"${zone}" is not an availability zone of ${region}; it has ${names} (as of ${ZONES_AS_OF})`;
}
