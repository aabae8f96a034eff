import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SkillMetricsError } from '@skill-metrics/core';
import type { DatabaseStore } from '../commands/database.js';
import { gatherReportFigures } from '../report/figures.js';
import { renderReportPage } from '../report/html.js';
import { EXPOSITION_CONTENT_TYPE } from './exposition.js';
import { MetricsScraper } from './scrape.js';

export interface MetricsServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The flag file whose shares `/metrics` reports. */
  flagFile: string;
  /** Where a failed read is told (the response says only that it failed). */
  log(text: string): void;
}

/** The server could not take its address: the port in use, a host that does not resolve, … */
export class ListenError extends Error {
  override name = 'ListenError';
}

export interface MetricsServer {
  /** `http://host:port`, the port as bound. */
  url: string;
  close(): Promise<void>;
}

interface Page {
  status?: number;
  type: string;
  body: string | Buffer;
}

/** What each path answers, read from the database on each request. */
function routesOf(scraper: MetricsScraper, store: DatabaseStore): Record<string, () => Promise<Page>> {
  return {
    '/metrics': async () => ({ type: EXPOSITION_CONTENT_TYPE, body: await scraper.scrape() }),
    '/': async () => ({
      type: 'text/html; charset=utf-8',
      body: renderReportPage(await gatherReportFigures(store)),
    }),
    // The report page has no icon; a browser asks anyway.
    '/favicon.ico': async () => ({ status: 204, type: 'image/x-icon', body: '' }),
    // Healthy when the database answers a read.
    '/healthz': async () => {
      await store.appliedMigrations();
      return { type: 'text/plain; charset=utf-8', body: 'ok\n' };
    },
  };
}

function send(response: ServerResponse, status: number, type: string, body: string | Buffer, head: boolean): void {
  if (status === 204) {
    response.writeHead(204).end();
    return;
  }
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  response.end(head ? undefined : body);
}

/** The path of a request's target, or `null` when it is not one (`GET http://[ HTTP/1.1`). */
function pathOf(target: string | undefined): string | null {
  try {
    return new URL(target ?? '/', 'http://localhost').pathname;
  } catch {
    return null;
  }
}

/**
 * Serves the database over HTTP: `/metrics` in the Prometheus text format, `/` as the report page,
 * `/healthz`. GET and HEAD only. A read that fails answers 503 (the scraper marks the target down)
 * and is logged; the server keeps serving.
 */
export async function startMetricsServer(store: DatabaseStore, options: MetricsServerOptions): Promise<MetricsServer> {
  const scraper = new MetricsScraper(store, options.flagFile);
  // One scrape before listening: the database answers, and the first scraper gets lines made already.
  await scraper.scrape();
  const routes = routesOf(scraper, store);
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const head = request.method === 'HEAD';
    if (request.method !== 'GET' && !head) {
      response.setHeader('allow', 'GET, HEAD');
      send(response, 405, 'text/plain; charset=utf-8', 'only GET and HEAD\n', false);
      return;
    }
    const path = pathOf(request.url);
    if (path === null) {
      send(response, 400, 'text/plain; charset=utf-8', 'not a request target\n', head);
      return;
    }
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (!route) {
      send(response, 404, 'text/plain; charset=utf-8', `no page at ${path}: try /metrics, / or /healthz\n`, head);
      return;
    }
    try {
      const page = await route();
      send(response, page.status ?? 200, page.type, page.body, head);
    } catch (error) {
      options.log(`skill-metrics serve: ${path}: ${(error as Error).message}`);
      // A store's failure is the database's (the scraper marks the target down); any other, a bug here.
      const stored = error instanceof SkillMetricsError;
      const text = `${stored ? 'the database could not be read' : 'internal error'}: ${(error as Error).message}\n`;
      send(response, stored ? 503 : 500, 'text/plain; charset=utf-8', text, head);
    }
  };
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      options.log(`skill-metrics serve: ${(error as Error).message}`);
      response.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    const refused = (error: Error) => reject(new ListenError(error.message, { cause: error }));
    server.once('error', refused);
    server.listen(options.port, options.host, () => {
      server.off('error', refused);
      // Past the start, a failure of the server itself (too many open files, say) is told, not thrown.
      server.on('error', (error) => options.log(`skill-metrics serve: ${error.message}`));
      const { port } = server.address() as AddressInfo;
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      resolve({
        url: `http://${host}:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
