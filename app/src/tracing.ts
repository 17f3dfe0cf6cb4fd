import { diag, DiagLogLevel } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";

/**
 * Traces over OTLP/HTTP to the collector at OTEL_EXPORTER_OTLP_ENDPOINT (the exporter reads it, and
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, itself): one span per HTTP request and per PostgreSQL query. Without an
 * endpoint nothing is registered, so local runs and tests export nothing. Loaded before `http` and `pg` so the
 * instrumentations can patch them.
 */
let provider: NodeTracerProvider | undefined;

const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
if (endpoint !== undefined && endpoint !== "" && process.env.OTEL_SDK_DISABLED !== "true") {
  diag.setLogger(
    {
      error: (message) => process.stderr.write(`${JSON.stringify({ level: "error", time: new Date().toISOString(), msg: `tracing: ${message}` })}\n`),
      warn: () => undefined,
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    DiagLogLevel.ERROR,
  );
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: process.env.OTEL_SERVICE_NAME ?? "users-info",
      [ATTR_SERVICE_VERSION]: process.env.APP_VERSION ?? "unknown",
    }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      // Probes and scrapes every few seconds would drown the traces that matter.
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => request.url === "/healthz" || request.url === "/readyz" || request.url === "/metrics",
      }),
      new PgInstrumentation({ enhancedDatabaseReporting: false }),
    ],
  });
}

/** Sends the spans still buffered; called last on shutdown. */
export async function shutdownTracing(): Promise<void> {
  await provider?.shutdown();
}
