// Which instances a route table may send a service's requests to. Every proxied request carries
// a fresh internal token and the caller's body, so an upstream is trusted like a service: it must
// be one of the service's configured instances (<SERVICE>_SERVICE_URL) or match an entry of
// GATEWAY_UPSTREAM_ALLOW_LIST, never any host an admin (or a stolen admin token) names.
// docs/adr/0030-management-port-and-upstream-allow-list.md.
import { InvalidRouteTableError } from './errors.js';
import type { ROUTABLE_SERVICES, Upstreams } from './schema.js';

type RoutableService = (typeof ROUTABLE_SERVICES)[number];

/** An allow-list entry: an origin whose host may start with `*.` (any subdomain of the rest). */
export interface UpstreamPattern {
  protocol: string;
  /** Lower case; with `wildcard`, the suffix after `*.`. */
  host: string;
  wildcard: boolean;
  port: string;
}

/** `http://10.0.0.5:8083`, `http://*.ticket.ticketing.svc.cluster.local:8083`; undefined when not one. */
export function parseUpstreamPattern(entry: string): UpstreamPattern | undefined {
  const wildcard = /^https?:\/\/\*\./.test(entry);
  let url: URL;
  try {
    url = new URL(wildcard ? entry.replace('*.', 'wildcard.') : entry);
  } catch {
    return undefined;
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.origin !== entry.replace('*.', 'wildcard.'))
    return undefined;
  return {
    protocol: url.protocol,
    host: wildcard ? url.hostname.slice('wildcard.'.length) : url.hostname,
    wildcard,
    port: url.port,
  };
}

function matches(pattern: UpstreamPattern, url: URL): boolean {
  if (url.protocol !== pattern.protocol || url.port !== pattern.port) return false;
  return pattern.wildcard ? url.hostname.endsWith(`.${pattern.host}`) : url.hostname === pattern.host;
}

const originOf = (url: string): string | undefined => {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
};

export class UpstreamAllowList {
  constructor(
    /** The configured instances, read at each check: with port 0 (tests) they are known only once the services listen. */
    private readonly configured: () => Record<RoutableService, string[]>,
    private readonly patterns: readonly UpstreamPattern[],
  ) {}

  allows(service: RoutableService, upstream: string): boolean {
    const origin = originOf(upstream);
    if (!origin) return false;
    if (this.configured()[service]?.some((instance) => originOf(instance) === origin)) return true;
    const url = new URL(upstream);
    return this.patterns.some((pattern) => matches(pattern, url));
  }

  /** Throws InvalidRouteTableError naming the first instance that is neither configured nor allowed. */
  check(upstreams: Upstreams | undefined): void {
    for (const [service, urls] of Object.entries(upstreams ?? {}) as [RoutableService, string[]][]) {
      for (const [index, url] of (urls ?? []).entries()) {
        if (this.allows(service, url)) continue;
        const field = `upstreams.${service}.${index}`;
        throw new InvalidRouteTableError(
          field,
          `${field} (${url}) is neither a configured instance of the ${service} service nor in GATEWAY_UPSTREAM_ALLOW_LIST`,
        );
      }
    }
  }

  /** The upstreams of a stored table without any service whose instances are no longer allowed. */
  allowedPart(upstreams: Upstreams): { allowed: Upstreams; refused: string[] } {
    const allowed: Upstreams = {};
    const refused: string[] = [];
    for (const [service, urls] of Object.entries(upstreams) as [RoutableService, string[]][]) {
      if ((urls ?? []).every((url) => this.allows(service, url))) allowed[service] = urls;
      else refused.push(service);
    }
    return { allowed, refused };
  }
}
