// The instances behind each service: round-robin over the healthy ones, active health checks
// of /actuator/health on an interval, passive marking when a connection is refused, and a
// circuit breaker per instance (opossum): a failing instance is cut off while its siblings
// serve, and a service whose instances all fail gets 503 at once instead of a pile-up.
import { AppError, type Logger, type ServiceName } from '@ticketing/platform';
import CircuitBreaker from 'opossum';
import { Agent, request } from 'undici';

export interface BreakerSettings {
  errorThresholdPercentage: number;
  volumeThreshold: number;
  resetTimeoutMs: number;
  windowMs: number;
}

/** One try on one instance, run inside that instance's breaker: resolves on success, rejects on failure. */
export type Attempt = () => Promise<void>;

export interface UpstreamInstance {
  url: string;
  healthy: boolean;
  consecutiveFailures: number;
  lastCheckedAt: Date | undefined;
  lastError: string | undefined;
  /** Per instance, so one failing instance is cut off while its siblings keep serving. */
  breaker: CircuitBreaker<[Attempt], void>;
}

export type CircuitState = 'closed' | 'open' | 'half-open';

export const circuitOf = (instance: UpstreamInstance): CircuitState =>
  instance.breaker.halfOpen ? 'half-open' : instance.breaker.opened ? 'open' : 'closed';

/** Failed health checks in a row before an instance is taken out; one success puts it back. */
const UNHEALTHY_AFTER = 2;

export class UpstreamPool {
  instances: UpstreamInstance[] = [];
  private next = 0;

  constructor(
    readonly service: ServiceName,
    urls: string[],
    private readonly breakerSettings: BreakerSettings,
    private readonly logger: Logger,
  ) {
    this.setUrls(urls);
  }

  /** Open when no instance takes requests, half-open while one is being probed, else closed. */
  get circuit(): CircuitState {
    const states = this.instances.map(circuitOf);
    if (states.includes('closed')) return 'closed';
    return states.includes('half-open') ? 'half-open' : 'open';
  }

  /** Replaces the instance list, keeping what is known about instances that stay. */
  setUrls(urls: string[]): void {
    const known = new Map(this.instances.map((instance) => [instance.url, instance]));
    const wanted = [...new Set(urls.map((url) => url.replace(/\/+$/, '')))];
    for (const [url, instance] of known) if (!wanted.includes(url)) instance.breaker.shutdown();
    this.instances = wanted.map(
      (url) =>
        known.get(url) ?? {
          url,
          healthy: true, // until a check says otherwise, so a fresh gateway serves at once
          consecutiveFailures: 0,
          lastCheckedAt: undefined,
          lastError: undefined,
          breaker: this.createBreaker(url),
        },
    );
  }

  /**
   * The next instance for a request, round robin, skipping instances already tried and those
   * whose circuit is open. Healthy instances first; when none is healthy the others are tried
   * anyway ("panic mode"): a health check can fail for a reason that does not stop the
   * instance from serving, and a refused connection fails fast.
   */
  pick(tried: ReadonlySet<string> = new Set()): UpstreamInstance | undefined {
    const usable = this.instances.filter((instance) => !tried.has(instance.url) && !instance.breaker.opened);
    const healthy = usable.filter((instance) => instance.healthy);
    const candidates = healthy.length > 0 ? healthy : usable;
    if (candidates.length === 0) return undefined;
    const chosen = candidates[this.next % candidates.length]!;
    this.next = (this.next + 1) % 1_000_000_000;
    return chosen;
  }

  /** Passive check: the gateway could not connect, so the instance is out until a health check passes. */
  markUnreachable(instance: UpstreamInstance, reason: string): void {
    if (instance.healthy)
      this.logger.warn(
        { upstream: this.service, instance: instance.url, reason },
        'instance unreachable; taken out',
      );
    instance.healthy = false;
    instance.consecutiveFailures = Math.max(instance.consecutiveFailures, UNHEALTHY_AFTER);
    instance.lastError = reason;
  }

  recordCheck(instance: UpstreamInstance, error: string | undefined, at: Date): void {
    instance.lastCheckedAt = at;
    if (error === undefined) {
      if (!instance.healthy)
        this.logger.info(
          { upstream: this.service, instance: instance.url },
          'instance healthy again; back in rotation',
        );
      instance.healthy = true;
      instance.consecutiveFailures = 0;
      instance.lastError = undefined;
      return;
    }
    instance.consecutiveFailures++;
    instance.lastError = error;
    if (instance.healthy && instance.consecutiveFailures >= UNHEALTHY_AFTER) {
      this.logger.warn(
        { upstream: this.service, instance: instance.url, reason: error },
        'instance failed its health checks; taken out',
      );
      instance.healthy = false;
    }
  }

  shutdown(): void {
    for (const instance of this.instances) instance.breaker.shutdown();
  }

  private createBreaker(url: string): CircuitBreaker<[Attempt], void> {
    const settings = this.breakerSettings;
    const breaker = new CircuitBreaker((attempt: Attempt) => attempt(), {
      timeout: false, // undici enforces the upstream timeout itself
      errorThresholdPercentage: settings.errorThresholdPercentage,
      volumeThreshold: settings.volumeThreshold,
      resetTimeout: settings.resetTimeoutMs,
      rollingCountTimeout: settings.windowMs,
      // A body over the limit or a deliberate 503 is no sign of a broken instance (opossum then counts a success).
      errorFilter: (error: unknown) =>
        (error as { ignoredByBreaker?: unknown }).ignoredByBreaker === true ||
        (error instanceof AppError && error.status < 500),
    });
    const where = { upstream: this.service, instance: url };
    breaker.on('open', () => this.logger.warn(where, 'circuit opened: instance cut off'));
    breaker.on('halfOpen', () => this.logger.info(where, 'circuit half-open: probing'));
    breaker.on('close', () => this.logger.info(where, 'circuit closed'));
    return breaker;
  }
}

export interface UpstreamRegistryOptions {
  breaker: BreakerSettings;
  healthCheckIntervalMs: number;
  healthCheckTimeoutMs: number;
  logger: Logger;
  now: () => Date;
}

export class UpstreamRegistry {
  private readonly pools = new Map<ServiceName, UpstreamPool>();
  private readonly agent: Agent;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;

  constructor(private readonly options: UpstreamRegistryOptions) {
    this.agent = new Agent({
      keepAliveTimeout: 10_000,
      connections: 4,
      connect: { timeout: options.healthCheckTimeoutMs },
    });
  }

  /** Sets each service's instances; services absent from the map keep theirs. */
  configure(urlsByService: Partial<Record<ServiceName, string[]>>): void {
    for (const [service, urls] of Object.entries(urlsByService) as [ServiceName, string[]][]) {
      const pool = this.pools.get(service);
      if (pool) pool.setUrls(urls);
      else
        this.pools.set(service, new UpstreamPool(service, urls, this.options.breaker, this.options.logger));
    }
  }

  pool(service: ServiceName): UpstreamPool {
    const pool = this.pools.get(service);
    if (!pool) throw new Error(`no instances configured for the ${service} service`);
    return pool;
  }

  all(): UpstreamPool[] {
    return [...this.pools.values()];
  }

  start(): void {
    void this.checkAll();
    this.timer = setInterval(() => void this.checkAll(), this.options.healthCheckIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.checking?.catch(() => undefined);
    for (const pool of this.pools.values()) pool.shutdown();
    await this.agent.close();
  }

  /** One round of active health checks over every instance, in parallel. */
  checkAll(): Promise<void> {
    this.checking ??= Promise.all(
      this.all().flatMap((pool) =>
        pool.instances.map(async (instance) =>
          pool.recordCheck(instance, await this.check(instance.url), this.options.now()),
        ),
      ),
    )
      .then(() => undefined)
      .finally(() => {
        this.checking = undefined;
      });
    return this.checking;
  }

  /** Undefined when the instance answers 200 on /actuator/health in time; else why not. */
  private async check(baseUrl: string): Promise<string | undefined> {
    const timeout = this.options.healthCheckTimeoutMs;
    try {
      const response = await request(`${baseUrl}/actuator/health`, {
        dispatcher: this.agent,
        headersTimeout: timeout,
        bodyTimeout: timeout,
        signal: AbortSignal.timeout(timeout),
      });
      await response.body.dump();
      return response.statusCode === 200 ? undefined : `health answered ${response.statusCode}`;
    } catch (error) {
      // undici errors carry a string code (ECONNREFUSED); an abort's DOMException a numeric one.
      const code = (error as { code?: unknown }).code;
      return typeof code === 'string' ? code : (error as Error).message || 'health check failed';
    }
  }
}
