// The Kubernetes and Istio manifests: each document valid against its API schema (kubernetes-models
// carries the Kubernetes and Istio OpenAPI schemas as validators; ADR 0022), every kustomization
// complete, probes on the services' real health route, and every variable they set one the
// platform reads — with values the production and staging profiles accept.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as istioNetworking from '@kubernetes-models/istio/networking.istio.io/v1beta1';
import * as istioSecurity from '@kubernetes-models/istio/security.istio.io/v1beta1';
import {
  ConfigError,
  DEFAULT_MANAGEMENT_PORT,
  DEFAULT_PORTS,
  environmentVariable,
  SERVICE_NAMES,
  type ServiceName,
} from '@ticketing/platform';
import * as apps from 'kubernetes-models/apps/v1';
import * as autoscaling from 'kubernetes-models/autoscaling/v2';
import * as policy from 'kubernetes-models/policy/v1';
import * as core from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_ROUTES } from '../../services/gateway/src/route-table.js';
import {
  DEPLOY,
  type Env,
  fillPlaceholders,
  loadServiceConfiguration,
  type Manifest,
  readManifests,
  readYaml,
  yamlFilesIn,
} from './support.js';

const MODELS: Record<string, Record<string, unknown>> = {
  v1: core,
  'apps/v1': apps,
  'autoscaling/v2': autoscaling,
  'policy/v1': policy,
  'networking.istio.io/v1beta1': istioNetworking,
  'security.istio.io/v1beta1': istioSecurity,
};

/** Validates one manifest against the schema of its apiVersion and kind; returns the errors. */
function schemaErrors(manifest: Manifest): string | undefined {
  const Model = MODELS[manifest.apiVersion]?.[manifest.kind] as
    | (new (
        data: unknown,
      ) => { validate(): void })
    | undefined;
  if (!Model) return `no schema for ${manifest.apiVersion} ${manifest.kind}`;
  try {
    new Model(manifest).validate();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const MANIFEST_FILES = [
  ...yamlFilesIn('deploy/k8s/base'),
  'deploy/k8s/secret.example.yaml',
  ...yamlFilesIn('deploy/istio'),
];
const base = yamlFilesIn('deploy/k8s/base').flatMap(readManifests);
const istio = yamlFilesIn('deploy/istio').flatMap(readManifests);
const ofKind = (manifests: Manifest[], kind: string) =>
  manifests.filter((manifest) => manifest.kind === kind);
const deployments = ofKind(base, 'Deployment');
const configMap = ofKind(base, 'ConfigMap')[0]!;
const exampleSecret = readManifests('deploy/k8s/secret.example.yaml')[0]!;

describe('the Kubernetes and Istio manifests', () => {
  it.each(MANIFEST_FILES)('%s is valid against the API schemas', (file) => {
    const manifests = readManifests(file);
    expect(manifests.length).toBeGreaterThan(0);
    for (const manifest of manifests)
      expect(schemaErrors(manifest), `${file}: ${manifest.kind}`).toBeUndefined();
  });

  it('the schema check catches a wrong type (so a pass means something)', () => {
    const broken = structuredClone(deployments[0]!);
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    expect(schemaErrors(broken)).toMatch(/containerPort must be integer/);
  });

  it.each([
    'deploy/k8s/base',
    'deploy/istio',
    'deploy/k8s/overlays/staging',
    'deploy/k8s/overlays/production',
  ])('%s/kustomization.yaml lists resources that exist, and every file beside it', (dir) => {
    const kustomization = readYaml(`${dir}/kustomization.yaml`);
    for (const resource of kustomization.resources as string[]) {
      const path = join(DEPLOY, '..', dir, resource);
      expect(
        existsSync(path) && (resource.endsWith('.yaml') || existsSync(join(path, 'kustomization.yaml'))),
        resource,
      ).toBe(true);
    }
    const listed = new Set((kustomization.resources as string[]).map((resource) => `${dir}/${resource}`));
    if (!dir.includes('overlays')) expect(yamlFilesIn(dir).filter((file) => !listed.has(file))).toEqual([]);
  });

  it('patches only resources and fields that exist in what the overlays include', () => {
    for (const overlay of ['staging', 'production']) {
      for (const patch of readYaml(`deploy/k8s/overlays/${overlay}/kustomization.yaml`).patches ?? []) {
        const target = [...base, ...istio].find(
          (manifest) => manifest.kind === patch.target.kind && manifest.metadata.name === patch.target.name,
        );
        expect(target, `${overlay}: ${patch.target.kind} ${patch.target.name}`).toBeDefined();
        for (const { op, path } of parseYaml(patch.patch) as { op: string; path: string }[]) {
          expect(op).toBe('replace');
          const found = path
            .split('/')
            .slice(1)
            .reduce((node: any, key) => node?.[key], target);
          expect(found, `${overlay}: ${path}`).toBeDefined();
        }
      }
    }
  });

  it('runs each of the seven services from the one image, by argument', () => {
    expect(deployments.map((deployment) => deployment.metadata.name).sort()).toEqual(
      [...SERVICE_NAMES].sort(),
    );
    for (const deployment of deployments) {
      const [container] = deployment.spec.template.spec.containers;
      expect(container.image).toBe('ticketing');
      expect(container.args).toEqual(['start', '--service', deployment.metadata.name]);
    }
  });

  it('probes every service on its health route and port, as an unprivileged user with resources set', () => {
    for (const deployment of deployments) {
      const name = deployment.metadata.name as ServiceName;
      const pod = deployment.spec.template.spec;
      const [container] = pod.containers;
      expect(container.ports).toEqual([
        { name: 'http', containerPort: DEFAULT_PORTS[name], protocol: 'TCP' },
        { name: 'metrics', containerPort: DEFAULT_MANAGEMENT_PORT, protocol: 'TCP' },
      ]);
      // Scraped on the pod's management port; the Service (and so the ingress) carries only http.
      expect(deployment.spec.template.metadata.annotations).toMatchObject({
        'prometheus.io/port': String(DEFAULT_MANAGEMENT_PORT),
        'prometheus.io/path': '/metrics',
      });
      const service = ofKind(base, 'Service').find((candidate) => candidate.metadata.name === name);
      expect(service?.spec.ports.map((port: { name: string }) => port.name)).toEqual(['http']);
      // Ready when its database answers (Redis or Kafka down only degrades it); alive while the
      // process answers, so an outage elsewhere never restarts pods.
      const paths = {
        startupProbe: '/actuator/health/readiness',
        readinessProbe: '/actuator/health/readiness',
        livenessProbe: '/actuator/health/liveness',
      };
      for (const [probe, path] of Object.entries(paths))
        expect(container[probe].httpGet, `${name} ${probe}`).toEqual({ path, port: 'http' });
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      expect(container.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
      });
      expect(container.resources.requests).toMatchObject({
        cpu: expect.any(String),
        memory: expect.any(String),
      });
      expect(container.resources.limits).toMatchObject({ memory: expect.any(String) });
      // Kubernetes would otherwise inject GATEWAY_PORT=tcp://… for a Service named gateway,
      // which the platform reads as its own port setting.
      expect(pod.enableServiceLinks).toBe(false);
    }
  });

  it('gives every Deployment a Service on its port, and autoscales the gateway, ticket and order', () => {
    const services = ofKind(base, 'Service');
    for (const deployment of deployments) {
      const name = deployment.metadata.name as ServiceName;
      const service = services.find((candidate) => candidate.metadata.name === name);
      expect(service?.spec.selector).toEqual(deployment.spec.selector.matchLabels);
      expect(service?.spec.ports[0]).toMatchObject({ port: DEFAULT_PORTS[name], targetPort: 'http' });
    }
    const autoscalers = ofKind(base, 'HorizontalPodAutoscaler');
    expect(autoscalers.map((hpa) => hpa.spec.scaleTargetRef.name).sort()).toEqual([
      'gateway',
      'order',
      'ticket',
    ]);
    for (const hpa of autoscalers) {
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
      // A fixed replica count would reset the autoscaler's choice on every apply.
      const target = deployments.find(
        (deployment) => deployment.metadata.name === hpa.spec.scaleTargetRef.name,
      );
      expect(target?.spec.replicas).toBeUndefined();
    }
  });

  it('sets only variables the platform reads, and keeps secrets in the Secret', () => {
    const names = [
      ...Object.keys(configMap.data),
      ...Object.keys(exampleSecret.stringData),
      ...deployments.flatMap((deployment) =>
        deployment.spec.template.spec.containers.flatMap((container: { env?: { name: string }[] }) =>
          (container.env ?? []).map((variable) => variable.name),
        ),
      ),
    ];
    expect(names.filter((name) => environmentVariable(name) === undefined)).toEqual([]);
    expect(Object.keys(configMap.data).filter((name) => environmentVariable(name)?.secret)).toEqual([]);
    for (const deployment of deployments)
      for (const variable of deployment.spec.template.spec.containers[0].env)
        expect(Object.keys(exampleSecret.stringData)).toContain(variable.valueFrom.secretKeyRef.key);
  });

  /** What a container of the deployment sees: the ConfigMap (with an overlay's patches) and its Secret keys. */
  function containerEnvironment(deployment: Manifest, overlay: 'staging' | 'production', secrets: Env): Env {
    const data: Env = { ...configMap.data };
    const patches = readYaml(`deploy/k8s/overlays/${overlay}/kustomization.yaml`).patches ?? [];
    for (const patch of patches.filter((candidate: Manifest) => candidate.target.kind === 'ConfigMap')) {
      const operations = parseYaml(patch.patch) as { op: string; path: string; value: string }[];
      for (const { op, path, value } of operations) {
        const key = path.replace('/data/', '');
        expect(op).toBe('replace');
        expect(data, `${overlay} patches ${key}, which the ConfigMap must have`).toHaveProperty(key);
        data[key] = value;
      }
    }
    const env: Env = { ...data };
    for (const variable of deployment.spec.template.spec.containers[0].env)
      env[variable.name] = secrets[variable.valueFrom.secretKeyRef.key];
    return env;
  }

  it.each(['staging', 'production'] as const)(
    'in %s, every service accepts its settings once the Secret holds real values',
    (overlay) => {
      const secrets = Object.fromEntries(
        Object.entries(exampleSecret.stringData as Record<string, string>).map(([key, value]) => [
          key,
          fillPlaceholders(value),
        ]),
      );
      for (const deployment of deployments) {
        const name = deployment.metadata.name as ServiceName;
        const config = loadServiceConfiguration(name, containerEnvironment(deployment, overlay, secrets));
        expect(config.environment).toBe(overlay);
      }
    },
  );

  it('refuses to start on the placeholders of the example Secret', () => {
    const placeholders = exampleSecret.stringData as Env;
    for (const deployment of deployments) {
      const start = () =>
        loadServiceConfiguration(
          deployment.metadata.name as ServiceName,
          containerEnvironment(deployment, 'production', placeholders),
        );
      expect(start).toThrowError(ConfigError);
    }
  });
});

/** The first route of a VirtualService that takes a request, by Istio's rules (first match wins). */
function routeFor(virtualService: Manifest, method: string, path: string) {
  type HttpMatch = {
    method?: { exact?: string; regex?: string };
    uri?: { regex?: string; prefix?: string; exact?: string };
  };
  const matches = (match: HttpMatch) =>
    (!match.method ||
      match.method.exact === method ||
      (match.method.regex !== undefined && new RegExp(`^(?:${match.method.regex})$`).test(method))) &&
    (!match.uri ||
      match.uri.exact === path ||
      (match.uri.prefix !== undefined && path.startsWith(match.uri.prefix)) ||
      (match.uri.regex !== undefined && new RegExp(`^(?:${match.uri.regex})$`).test(path)));
  return virtualService.spec.http.find(
    (route: { match?: HttpMatch[] }) => !route.match || route.match.some(matches),
  );
}

describe('the Istio policies', () => {
  const virtualServices = ofKind(istio, 'VirtualService');
  const publicRoutes = virtualServices.find((vs) => vs.spec.gateways?.includes('ticketing'))!;
  const meshRoutes = (service: string) =>
    virtualServices.find((vs) => vs.spec.hosts[0] === service && !vs.spec.gateways)!;

  it('require mutual TLS between all services', () => {
    const [peerAuthentication] = ofKind(istio, 'PeerAuthentication');
    expect(peerAuthentication?.spec).toEqual({ mtls: { mode: 'STRICT' } });
    expect(peerAuthentication?.spec.selector).toBeUndefined();
  });

  it('eject failing instances of every service (outlier detection)', () => {
    const rules = ofKind(istio, 'DestinationRule');
    expect(rules.map((rule) => rule.spec.host).sort()).toEqual([...SERVICE_NAMES].sort());
    for (const rule of rules) {
      expect(rule.spec.trafficPolicy.outlierDetection).toMatchObject({
        consecutive5xxErrors: expect.any(Number),
      });
      expect(rule.spec.trafficPolicy.tls.mode).toBe('ISTIO_MUTUAL');
    }
  });

  it('retry only idempotent reads: every route that changes state is never retried', () => {
    for (const vs of virtualServices)
      for (const route of vs.spec.http) {
        if (route.retries.attempts === 0) continue;
        for (const match of route.match)
          expect(match.method.regex ?? match.method.exact).toMatch(
            /^\^?\(?(GET|HEAD|OPTIONS)(\|(GET|HEAD|OPTIONS))*\)?\$?$/,
          );
      }
    // Every write of the gateway's route table, at the edge and inside the mesh.
    for (const rule of DEFAULT_ROUTES) {
      const path = rule.path
        .replaceAll(':id', '0190a1b2-0000-7000-8000-000000000001')
        .replace('*', 'anything');
      for (const method of rule.methods ?? ['POST', 'PUT', 'PATCH', 'DELETE']) {
        if (['GET', 'HEAD', 'OPTIONS'].includes(method)) continue;
        expect(routeFor(publicRoutes, method, path).retries, `${method} ${path} at the edge`).toEqual({
          attempts: 0,
        });
        expect(
          routeFor(meshRoutes(rule.service), method, path).retries,
          `${method} ${path} in the mesh`,
        ).toEqual({ attempts: 0 });
      }
    }
    expect(routeFor(publicRoutes, 'POST', '/api/v1/holds').retries).toEqual({ attempts: 0 });
    expect(routeFor(meshRoutes('order'), 'POST', '/api/v1/orders').retries).toEqual({ attempts: 0 });
    expect(routeFor(publicRoutes, 'GET', '/api/v1/events').retries.attempts).toBeGreaterThan(0);
  });

  it('give every route a timeout, and none to the live event streams', () => {
    for (const vs of virtualServices)
      for (const route of vs.spec.http) expect(route.timeout, route.name).toMatch(/^\d+s$/);
    for (const path of ['/api/v1/events/x/availability/stream', '/api/v1/queue/x/stream']) {
      expect(routeFor(publicRoutes, 'GET', path).timeout).toBe('0s');
      expect(routeFor(meshRoutes('ticket'), 'GET', path).timeout).toBe('0s');
    }
  });
});
