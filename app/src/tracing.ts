import type { IncomingHttpHeaders } from "node:http";
import { diag, DiagLogLevel, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, NodeTracerProvider, ParentBasedSampler, TraceIdRatioBasedSampler, type Sampler } from "@opentelemetry/sdk-trace-node";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";

/**
 * Traces over OTLP/HTTP to the collector at OTEL_EXPORTER_OTLP_ENDPOINT (the exporter reads it, and
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, itself): one span per API request and one per PostgreSQL statement, made by the
 * service itself (a Fastify hook and Database), not by patching `http` and `pg`: the instrumentation libraries cost
 * 1.4–10× CPU per request even for requests that were not sampled. Without an endpoint nothing is set up and every
 * function below is a no-op.
 *
 * Sampling: the standard OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG variables when set; otherwise parent-based
 * ratio sampling (a request that arrives sampled stays sampled, a new trace is kept with probability
 * OTEL_TRACES_SAMPLER_ARG, default DEFAULT_SAMPLE_RATIO). A request that is not sampled costs one sampler decision.
 */
export const DEFAULT_SAMPLE_RATIO = 0.05;

/** The sampled request a statement belongs to. */
export interface Trace {
  readonly span: Span;
  readonly context: Context;
}

let provider: NodeTracerProvider | undefined;
let tracer: Tracer | undefined;

function log(message: string): void {
  process.stderr.write(`${JSON.stringify({ level: "error", time: new Date().toISOString(), service: "users-info", msg: `tracing: ${message}` })}\n`);
}

/** The sampler the service uses when OTEL_TRACES_SAMPLER is not set. */
export function defaultSampler(env: NodeJS.ProcessEnv): Sampler {
  const raw = env.OTEL_TRACES_SAMPLER_ARG;
  const ratio = raw === undefined || raw === "" ? DEFAULT_SAMPLE_RATIO : Number(raw);
  return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(Number.isFinite(ratio) && ratio >= 0 && ratio <= 1 ? ratio : DEFAULT_SAMPLE_RATIO) });
}

export function setUpTracing(env: NodeJS.ProcessEnv = process.env): boolean {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (endpoint === undefined || endpoint === "" || env.OTEL_SDK_DISABLED === "true" || provider !== undefined) return provider !== undefined;
  diag.setLogger({ error: log, warn: () => undefined, info: () => undefined, debug: () => undefined, verbose: () => undefined }, DiagLogLevel.ERROR);
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME ?? "users-info",
      [ATTR_SERVICE_VERSION]: env.APP_VERSION ?? "unknown",
    }),
    ...(env.OTEL_TRACES_SAMPLER === undefined || env.OTEL_TRACES_SAMPLER === "" ? { sampler: defaultSampler(env) } : {}),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // The W3C trace-context propagator (traceparent from the ALB or the caller).
  provider.register();
  tracer = provider.getTracer("users-info");
  return true;
}

/** Starts the server span of a request; undefined when tracing is off or the request is not sampled. */
export function startRequest(method: string, route: string, headers: IncomingHttpHeaders): Trace | undefined {
  if (tracer === undefined) return undefined;
  const parent = headers.traceparent === undefined ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, headers);
  const span = tracer.startSpan(`${method} ${route}`, { kind: SpanKind.SERVER }, parent);
  // Most requests are not sampled: they stop here, having cost one sampler decision.
  if (!span.isRecording()) return undefined;
  span.setAttributes({ "http.request.method": method, "http.route": route, "url.scheme": "http" });
  return { span, context: trace.setSpan(parent, span) };
}

export function endRequest(request: Trace | undefined, status: number): void {
  if (request === undefined) return;
  request.span.setAttribute("http.response.status_code", status);
  if (status >= 500) request.span.setStatus({ code: SpanStatusCode.ERROR });
  request.span.end();
}

/** A client span for one statement of a sampled request; undefined otherwise. */
export function startQuery(request: Trace | undefined, pool: string, host: string, text: string): Span | undefined {
  if (request === undefined || tracer === undefined) return undefined;
  const operation = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? "QUERY";
  return tracer.startSpan(
    `${operation} users`,
    {
      kind: SpanKind.CLIENT,
      attributes: { "db.system.name": "postgresql", "db.operation.name": operation, "db.query.text": text, "server.address": host, "db.pool": pool },
    },
    request.context,
  );
}

export function endQuery(span: Span | undefined, error?: unknown): void {
  if (span === undefined) return;
  if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : "failed" });
  span.end();
}

/** Sends the spans still buffered; called last on shutdown. */
export async function shutdownTracing(): Promise<void> {
  await provider?.shutdown();
}
