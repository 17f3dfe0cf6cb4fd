import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { buildApp, logDestination } from "./app";
import type { Config } from "./config";
import { SigningKey } from "./cursor";
import { Database } from "./db";
import { Metrics } from "./metrics";

export interface Running {
  readonly app: FastifyInstance;
  readonly port: number;
  readonly metricsPort: number;
  /** Stops taking requests, lets the in-flight ones finish (at most `shutdownTimeoutMs`), then closes the pools. */
  readonly shutdown: (reason: string) => Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

export async function start(config: Config, onStopped: () => Promise<void> = () => Promise.resolve()): Promise<Running> {
  const signingKey = SigningKey.fromFile(config.sessionKeyFile);
  const metrics = new Metrics();
  const db = new Database(config.database, metrics);
  // One probe round before listening: the first /readyz already knows which endpoints answer.
  await db.startHealthChecks();
  let accepting = true;
  const logStream = logDestination();
  const app = buildApp({ db, metrics, signingKey, logLevel: config.logLevel, accepting: () => accepting, logStream });

  // Metrics on their own port: the NetworkPolicy admits only the monitoring namespace there, and a slow scrape never
  // competes with the API's connections.
  const metricsServer = createServer((request, response) => {
    if (request.method !== "GET" || request.url !== "/metrics") {
      response.writeHead(404).end();
      return;
    }
    metrics.registry.metrics().then(
      (body) => response.writeHead(200, { "content-type": metrics.registry.contentType }).end(body),
      () => response.writeHead(500).end(),
    );
  });

  await app.listen({ port: config.port, host: config.host });
  const port = (app.server.address() as AddressInfo).port;
  const metricsPort = await listen(metricsServer, config.metricsPort, config.host);
  app.log.info({ port, metricsPort, writer: config.database.writerHost, reader: config.database.readerHost, iamAuth: config.database.iamAuth }, "listening");

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      accepting = false;
      app.log.info({ reason, timeoutMs: config.shutdownTimeoutMs }, "shutting down: draining in-flight requests");
      const timer = setTimeout(() => {
        app.log.warn("drain timeout: closing the remaining connections");
        app.server.closeAllConnections();
      }, config.shutdownTimeoutMs);
      timer.unref();
      await app.close();
      clearTimeout(timer);
      await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      metricsServer.closeAllConnections();
      await db.close();
      app.log.info("stopped");
      await onStopped();
      logStream.flushSync();
    })();
    return stopping;
  };
  return { app, port, metricsPort, shutdown };
}
