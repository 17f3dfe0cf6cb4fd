import { ConfigError, loadConfig } from "./config";
import { start } from "./server";
import { setUpTracing, shutdownTracing } from "./tracing";

function fail(message: string): never {
  process.stderr.write(`${JSON.stringify({ level: "fatal", time: new Date().toISOString(), service: "users-info", msg: message })}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  setUpTracing();
  const running = await start(config, shutdownTracing);
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      running.shutdown(signal).then(
        () => process.exit(0),
        (error: unknown) => fail(`shutdown failed: ${String(error)}`),
      );
    });
  }
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
