// The management port: /metrics of every service of the process in one scrape, each family's
// HELP and TYPE once and every service's samples told apart by their label; nothing else.
import { Counter, Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { createLogger } from '../src/logger.js';
import { type ManagementServer, startManagementServer } from '../src/management.js';

const registryOf = (service: string, logins: number) => {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  new Counter({ name: 'logins_total', help: 'Logins', registers: [registry] }).inc(logins);
  return registry;
};

let server: ManagementServer | undefined;
afterAll(() => server?.close());

describe('the management port', () => {
  it("serves every service's metrics as one valid scrape, and nothing else", async () => {
    server = await startManagementServer({
      registries: () => [registryOf('user', 2), registryOf('event', 3)],
      port: 0,
      host: '127.0.0.1',
      logger: createLogger('silent'),
    });
    const scrape = await call(server.url, 'GET', '/metrics');
    expect(scrape.status).toBe(200);
    expect(String(scrape.headers['content-type'])).toContain('text/plain');
    const lines = String(scrape.body).split('\n');
    expect(lines.filter((line) => line === '# HELP logins_total Logins')).toHaveLength(1);
    expect(lines.filter((line) => line.startsWith('# TYPE logins_total'))).toHaveLength(1);
    expect(lines).toEqual(
      expect.arrayContaining(['logins_total{service="user"} 2', 'logins_total{service="event"} 3']),
    );
    expect((await call(server.url, 'GET', '/api/v1/events')).status).toBe(404);
    expect((await call(server.url, 'POST', '/metrics')).status).toBe(404);
  });
});
