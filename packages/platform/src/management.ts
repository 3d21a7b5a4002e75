// The management listener: /metrics of every service this process runs, on a port of its own
// (MANAGEMENT_PORT), never on a service port. The gateway's port is the public edge, and the
// metrics name upstream URLs, versions and route counts; a separate port is kept off the
// ingress and the public Services by the deploy files, so only the scraper reaches it
// (docs/adr/0030-management-port-and-upstream-allow-list.md).
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from './logger.js';

export interface ManagementServer {
  /** Base URL, e.g. http://127.0.0.1:9464. */
  url: string;
  close(): Promise<void>;
}

/**
 * The exposition text of several registries as one scrape. Every service's registry has the same
 * families (http_request_duration_seconds, process_*), told apart by their `service` label;
 * a family's HELP and TYPE may appear only once, so samples are grouped under one header.
 */
export async function mergedMetricsText(registries: Registry[]): Promise<string> {
  const families = new Map<string, { header: string[]; samples: string[] }>();
  for (const registry of registries) {
    let current: { header: string[]; samples: string[] } | undefined;
    for (const line of (await registry.metrics()).split('\n')) {
      if (line === '') continue;
      const header = /^# (HELP|TYPE) (\S+)/.exec(line);
      if (header) {
        const name = header[2]!;
        current = families.get(name);
        if (!current) {
          current = { header: [], samples: [] };
          families.set(name, current);
        }
        if (current.header.length < 2 && !current.header.some((seen) => seen.startsWith(`# ${header[1]}`)))
          current.header.push(line);
        continue;
      }
      current?.samples.push(line);
    }
  }
  return `${[...families.values()].map((family) => [...family.header, ...family.samples].join('\n')).join('\n')}\n`;
}

export async function startManagementServer(options: {
  registries: () => Registry[];
  port: number;
  host: string;
  logger: Logger;
}): Promise<ManagementServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'application/problem+json' });
      response.end(
        JSON.stringify({
          title: 'Not Found',
          status: 404,
          code: 'not_found',
          detail: 'Only GET /metrics is served here',
        }),
      );
      return;
    }
    mergedMetricsText(options.registries()).then(
      (text) => {
        response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        options.logger.error({ err: error }, 'collecting metrics failed');
        response.writeHead(500, { 'content-type': 'application/problem+json' });
        response.end(JSON.stringify({ title: 'Internal Server Error', status: 500, code: 'internal_error' }));
      },
    );
  });
  // A scraper's keep-alive connection must not hold the process open at stop.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
