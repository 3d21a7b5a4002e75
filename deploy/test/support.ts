// Shared by the deploy tests: reading the deploy files, the settings a service container gets,
// and the service configuration each service would load from them.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type PlatformConfig, type ServiceName } from '@ticketing/platform';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { eventServiceConfig } from '../../services/event/src/config.js';
import { readGatewayConfig } from '../../services/gateway/src/config.js';
import { notificationServiceConfig } from '../../services/notification/src/config.js';
import { orderServiceConfig } from '../../services/order/src/config.js';
import { paymentServiceConfig } from '../../services/payment/src/config.js';
import { ticketServiceConfig } from '../../services/ticket/src/config.js';
import { userServiceConfig } from '../../services/user/src/config.js';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const DEPLOY = join(ROOT, 'deploy');

export type Env = Record<string, string | undefined>;
export type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; [key: string]: any };

export const readText = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** Every document of a YAML file (Kubernetes files hold several, separated by ---). */
export function readManifests(path: string): Manifest[] {
  return parseAllDocuments(readText(path)).map((document) => {
    if (document.errors.length > 0) throw new Error(`${path}: ${document.errors[0]!.message}`);
    return document.toJS() as Manifest;
  });
}

/** One YAML document; merge keys (`<<: *anchor`) resolved as Compose resolves them. */
export const readYaml = (path: string): any => parseYaml(readText(path), { merge: true });

export const yamlFilesIn = (dir: string) =>
  readdirSync(join(ROOT, dir))
    .filter((name) => name.endsWith('.yaml') && name !== 'kustomization.yaml')
    .map((name) => `${dir}/${name}`);

/** A random value in place of every CHANGE-ME placeholder: the shape of the example, a real-looking secret. */
export const fillPlaceholders = (value: string) =>
  value.replaceAll(/CHANGE-ME[\w-]*/g, () => randomBytes(24).toString('hex'));

/**
 * Loads the platform configuration and the given service's own settings from an environment, as
 * `ticketing start --service <name>` does at start; throws the ConfigError a start would print.
 */
export function loadServiceConfiguration(service: ServiceName, env: Env): PlatformConfig {
  const config = loadConfig(env);
  const readers: Record<ServiceName, () => unknown> = {
    gateway: () => readGatewayConfig(env, config.environment),
    user: () => userServiceConfig(config, env),
    event: () => eventServiceConfig(env),
    ticket: () => ticketServiceConfig(config, env),
    order: () => orderServiceConfig(config, env),
    payment: () => paymentServiceConfig(config, env),
    notification: () => notificationServiceConfig(config, env),
  };
  readers[service]();
  return config;
}
