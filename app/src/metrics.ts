import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * Every metric the service exports. `metrics.json` next to package.json states the same names for the platform's
 * contract check (the alert rules and the blue-green analysis query them); a unit test keeps both in step.
 *
 * The HTTP series carry the status twice, as `status` and as `code`: the alert rules and the analysis filter on
 * `code`, dashboards on `status`; both hold the same value, so the series count does not grow.
 */
export interface PoolStats {
  readonly name: string;
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
  /** The last health probe of the endpoint answered. */
  readonly up: boolean;
}

export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<"method" | "route" | "status" | "code">;
  readonly httpDuration: Histogram<"method" | "route" | "status" | "code">;
  readonly dbQueryDuration: Histogram<"pool" | "outcome">;
  readonly ready: Gauge;
  private pools: ReadonlyArray<PoolStats> = [];

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const labelNames = ["method", "route", "status", "code"] as const;
    this.httpRequests = new Counter({
      name: "http_requests_total",
      help: "HTTP requests answered, by method, route template and status",
      labelNames,
      registers: [this.registry],
    });
    this.httpDuration = new Histogram({
      name: "http_request_duration_seconds",
      help: "Time from receiving a request to sending its response",
      labelNames,
      // Around the one-second p99 the WebHighLatency alert fires at.
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.dbQueryDuration = new Histogram({
      name: "db_query_duration_seconds",
      help: "PostgreSQL query time, by pool (writer or reader) and outcome",
      labelNames: ["pool", "outcome"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    const pools = () => this.pools;
    new Gauge({
      name: "db_pool_connections",
      help: "Connections of each PostgreSQL pool, by state: total, idle, waiting (clients queued for a connection)",
      labelNames: ["pool", "state"],
      registers: [this.registry],
      collect() {
        for (const pool of pools()) {
          this.set({ pool: pool.name, state: "total" }, pool.totalCount);
          this.set({ pool: pool.name, state: "idle" }, pool.idleCount);
          this.set({ pool: pool.name, state: "waiting" }, pool.waitingCount);
        }
      },
    });
    new Gauge({
      name: "db_endpoint_up",
      help: "1 while the last health probe of the endpoint (writer or reader) answered, 0 otherwise",
      labelNames: ["pool"],
      registers: [this.registry],
      collect() {
        for (const pool of pools()) this.set({ pool: pool.name }, pool.up ? 1 : 0);
      },
    });
    this.ready = new Gauge({
      name: "app_ready",
      help: "1 while /readyz last answered ready (accepting, and the writer or the reader answers), 0 otherwise",
      registers: [this.registry],
    });
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status), code: String(status) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  /** The pools the `db_pool_connections` gauge reports; read when Prometheus scrapes, so never stale. */
  registerPools(pools: ReadonlyArray<PoolStats>): void {
    this.pools = pools;
  }
}
