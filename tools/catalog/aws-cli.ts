import { execFileSync } from "child_process";

/**
 * The AWS CLI's JSON answer to `args`, for the catalog refresh scripts. Never waits on the instance-metadata address
 * (`AWS_EC2_METADATA_DISABLED`) nor on a pager; a failure is one line: the command and the CLI's own first line (what
 * is missing: credentials, region), which the command line alone would not say.
 */
export function awsJson(args: readonly string[], timeoutMs = 120_000): unknown {
  const env = { ...process.env, AWS_EC2_METADATA_DISABLED: "true", AWS_PAGER: "" };
  try {
    const output = execFileSync("aws", [...args, "--output", "json"], {
      env,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
    return JSON.parse(output) as unknown;
  } catch (error) {
    const said = String((error as { stderr?: string }).stderr ?? "")
      .trim()
      .split("\n")[0];
    throw new Error(`aws ${args.slice(0, 2).join(" ")}: ${said || (error as Error).message.split("\n")[0]}`, { cause: error });
  }
}

/**
 * The opening lines every catalog data module shares: where it comes from (`generatedBy`, comment lines), the refresh's
 * own line (`origin`) and the dated constant `asOfName` the config errors quote.
 */
export function dataModuleHeader(generatedBy: readonly string[], origin: string, asOfName: string, asOf: string): string[] {
  return [...generatedBy.map((line) => `// ${line}`), `// ${origin}`, "", "/** The day the data was read. */", `export const ${asOfName} = "${asOf}";`, ""];
}
