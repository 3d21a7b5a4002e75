// Every environment variable the platform reads, in one list: name, who reads it, its default and
// what it means. docs/configuration.md is generated from it, a test checks it against the code
// (every variable the sources read is here, and everything here is read), and the deploy files
// may set only variables listed here. Adding a variable: one entry below, then
// `npx vitest run packages/platform/test/environment-variables.test.ts -u` rewrites the doc.
import { DEFAULT_PORTS, SERVICE_NAMES, type ServiceName } from './config.js';

export interface EnvironmentVariable {
  name: string;
  /** `all`: every service (the platform configuration); a service name; `cli`: the ticketing command. */
  readBy: 'all' | 'cli' | ServiceName;
  /** The value used when it is unset, as a reader would write it; `—` when unset means "off". */
  default: string;
  description: string;
  /** Profiles that refuse to start without it (see profiles.ts and the services' config.ts). */
  requiredIn?: readonly ('staging' | 'production')[];
  /** Never printed, kept in a secret store (a Kubernetes Secret, not a ConfigMap). */
  secret?: boolean;
}

const DEPLOYED = ['staging', 'production'] as const;

const perService = SERVICE_NAMES.flatMap((service): EnvironmentVariable[] => [
  {
    name: `${service.toUpperCase()}_PORT`,
    readBy: 'all',
    default: String(DEFAULT_PORTS[service]),
    description: `port the ${service} service listens on (0 picks a free port)`,
  },
  {
    name: `${service.toUpperCase()}_SERVICE_URL`,
    readBy: 'all',
    default: `http://127.0.0.1:${DEFAULT_PORTS[service]}`,
    description: `comma-separated base URLs of the ${service} service's instances, for clients and the gateway`,
  },
]);

export const ENVIRONMENT_VARIABLES: readonly EnvironmentVariable[] = [
  // The platform: every service reads these (packages/platform/src/config.ts and beside it).
  {
    name: 'NODE_ENV',
    readBy: 'all',
    default: 'development',
    description:
      'profile: `development`, `test`, `staging` or `production`; staging and production refuse development defaults',
  },
  {
    name: 'HOST',
    readBy: 'all',
    default: '127.0.0.1',
    description: 'interface the services listen on',
    requiredIn: DEPLOYED,
  },
  {
    name: 'MANAGEMENT_PORT',
    readBy: 'all',
    default: '9464 (0 in test)',
    description:
      'port serving GET /metrics of every service in the process (bound on HOST like the service ports, never exposed by the ingress); service ports do not serve /metrics',
  },
  {
    name: 'DATA_DIR',
    readBy: 'all',
    default: './data',
    description: 'embedded PostgreSQL data, development secrets, demo-seed marker, mail files',
  },
  {
    name: 'DATABASE_URL',
    readBy: 'all',
    default: 'embedded PostgreSQL',
    description: 'PostgreSQL (≥ 15) to use instead of the embedded server; a random password when deployed',
    requiredIn: DEPLOYED,
    secret: true,
  },
  { name: 'DATABASE_POOL_SIZE', readBy: 'all', default: '10', description: 'connections per service' },
  {
    name: 'DATABASE_PREPARED_STATEMENTS',
    readBy: 'all',
    default: 'on',
    description:
      'prepare repeated statements on the server once per connection (off behind a pooler in transaction mode)',
  },
  {
    name: 'DATABASE_READ_URL',
    readBy: 'all',
    default: '—',
    description: 'a streaming replica for read-only browse and search queries (with DATABASE_URL)',
    secret: true,
  },
  {
    name: 'DATABASE_READ_MAX_LAG_MS',
    readBy: 'all',
    default: '5000',
    description: 'replication lag above which reads go back to the primary',
  },
  {
    name: 'DATABASE_READ_CHECK_INTERVAL_MS',
    readBy: 'all',
    default: '1000',
    description: "how often the replica's lag is checked",
  },
  {
    name: 'EMBEDDED_POSTGRES_PORT',
    readBy: 'all',
    default: '54329',
    description: 'port of the embedded PostgreSQL',
  },
  {
    name: 'REDIS_URL',
    readBy: 'all',
    default: 'in memory',
    description: 'Redis for cache, rate limits, token revocation and live updates',
    requiredIn: DEPLOYED,
  },
  {
    name: 'KAFKA_BROKERS',
    readBy: 'all',
    default: 'in-process bus',
    description: '`host:port,…` of Kafka brokers; events go over Kafka topics',
    requiredIn: DEPLOYED,
  },
  {
    name: 'KAFKA_TOPIC_PREFIX',
    readBy: 'all',
    default: '—',
    description: 'put before every topic and consumer group (several environments on one cluster)',
  },
  {
    name: 'KAFKA_MAX_DELIVERY_ATTEMPTS',
    readBy: 'all',
    default: '5',
    description: 'deliveries to a failing consumer before the event goes to `<topic>.dlt`',
  },
  {
    name: 'EVENT_CONSUMER_CONCURRENCY',
    readBy: 'all',
    default: '8',
    description:
      "events of different keys a consumer handles at once (per Kafka consumer group or in-process subscription); one key's events stay in order",
  },
  {
    name: 'LOG_LEVEL',
    readBy: 'all',
    default: 'info (warn in test)',
    description: '`fatal` `error` `warn` `info` `debug` `trace` `silent`',
  },
  ...perService,
  {
    name: 'INTERNAL_TOKEN_SECRET',
    readBy: 'all',
    default: 'generated in DATA_DIR',
    description: 'shared secret signing service-to-service tokens (≥ 32 characters)',
    requiredIn: DEPLOYED,
    secret: true,
  },
  {
    name: 'ACCESS_TOKEN_TTL_SECONDS',
    readBy: 'all',
    default: '900',
    description: 'lifetime of an access token',
  },
  {
    name: 'REFRESH_TOKEN_TTL_SECONDS',
    readBy: 'all',
    default: '2592000',
    description: 'lifetime of a refresh token',
  },
  {
    name: 'SHUTDOWN_TIMEOUT_MS',
    readBy: 'all',
    default: '10000',
    description: 'how long a stop waits for in-flight requests',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    readBy: 'all',
    default: '—',
    description:
      'OTLP/HTTP collector base URL (`/v1/traces` is appended); tracing is off when no exporter is set',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    readBy: 'all',
    default: '—',
    description: 'OTLP/HTTP traces URL, used as it is',
  },
  { name: 'ZIPKIN_URL', readBy: 'all', default: '—', description: 'Zipkin to send spans to' },
  {
    name: 'OTEL_TRACES_SAMPLER_ARG',
    readBy: 'all',
    default: '1',
    description: 'share of new traces recorded, 0 to 1',
  },
  { name: 'OTEL_SDK_DISABLED', readBy: 'all', default: 'false', description: '`true` switches tracing off' },

  // The user service.
  {
    name: 'ADMIN_USERNAME',
    readBy: 'user',
    default: 'admin',
    description: 'the first admin, created once when no admin exists',
  },
  {
    name: 'ADMIN_EMAIL',
    readBy: 'user',
    default: 'admin@ticketing.local',
    description: "the first admin's email",
  },
  {
    name: 'ADMIN_PASSWORD',
    readBy: 'user',
    default: 'generated, printed once',
    description: "the first admin's password (never the public demo password when deployed)",
    requiredIn: DEPLOYED,
    secret: true,
  },
  {
    name: 'USER_REVOCATION_MIRROR_INTERVAL_MS',
    readBy: 'user',
    default: '30000',
    description:
      'how often logged-out tokens and per-user cut-offs are copied into the cache store again (and day-old failed logins forgotten)',
  },
  {
    name: 'USER_LOGIN_THROTTLE_AFTER_FAILURES',
    readBy: 'user',
    default: '5',
    description:
      'failed logins of one account (or unknown name) in a row before it is held back; a day without failures forgets them',
  },
  {
    name: 'USER_LOGIN_THROTTLE_FIRST_BLOCK_SECONDS',
    readBy: 'user',
    default: '30',
    description: 'the first hold-back of an account; each further failure doubles it',
  },
  {
    name: 'USER_LOGIN_THROTTLE_MAX_BLOCK_SECONDS',
    readBy: 'user',
    default: '900',
    description:
      'the longest hold-back; a login from a device the account used before, or a password change, ends it early',
  },

  // The gateway.
  {
    name: 'GATEWAY_CORS_ORIGINS',
    readBy: 'gateway',
    default: '—',
    description: 'origins allowed to call the API from a browser, or `*`',
  },
  {
    name: 'GATEWAY_CORS_CREDENTIALS',
    readBy: 'gateway',
    default: 'false',
    description: 'allow cookies and authorization on cross-origin calls (never with `*`)',
  },
  {
    name: 'GATEWAY_TRUST_PROXY',
    readBy: 'gateway',
    default: 'false',
    description:
      'proxies in front allowed to set X-Forwarded-For: addresses/CIDRs, `loopback`, `uniquelocal`… (`true` is refused in production)',
  },
  {
    name: 'GATEWAY_UPSTREAM_ALLOW_LIST',
    readBy: 'gateway',
    default: '—',
    description:
      'origins (`http://10.0.0.5:8083`, `http://*.ticket.svc.cluster.local:8083`) an admin route table may name as instances besides the configured `<SERVICE>_SERVICE_URL`s; any other is refused',
  },
  {
    name: 'GATEWAY_UPSTREAM_TIMEOUT_MS',
    readBy: 'gateway',
    default: '15000',
    description: 'longest wait for a service answer',
  },
  {
    name: 'GATEWAY_MAX_EVENT_LOOP_DELAY_MS',
    readBy: 'gateway',
    default: '200 (0 in test)',
    description:
      'while the event loop lags more than this (mean over 0.5 s), new requests get 503 `overloaded` with Retry-After; 0 never sheds',
  },
  {
    name: 'GATEWAY_CONNECT_TIMEOUT_MS',
    readBy: 'gateway',
    default: '1000',
    description: 'longest wait for a connection to a service',
  },
  {
    name: 'GATEWAY_BODY_LIMIT_BYTES',
    readBy: 'gateway',
    default: '1048576',
    description: 'largest request body',
  },
  {
    name: 'GATEWAY_HEALTH_CHECK_INTERVAL_MS',
    readBy: 'gateway',
    default: '5000',
    description: 'how often each instance behind the gateway is checked',
  },
  {
    name: 'GATEWAY_HEALTH_CHECK_TIMEOUT_MS',
    readBy: 'gateway',
    default: '2000',
    description: 'how long a health check may take',
  },
  {
    name: 'GATEWAY_BREAKER_ERROR_PERCENT',
    readBy: 'gateway',
    default: '50',
    description: 'failure share that opens a circuit',
  },
  {
    name: 'GATEWAY_BREAKER_VOLUME_THRESHOLD',
    readBy: 'gateway',
    default: '10',
    description: 'calls in the window before a circuit may open',
  },
  {
    name: 'GATEWAY_BREAKER_RESET_MS',
    readBy: 'gateway',
    default: '5000',
    description: 'how long an open circuit waits before a trial call',
  },
  {
    name: 'GATEWAY_BREAKER_WINDOW_MS',
    readBy: 'gateway',
    default: '10000',
    description: "the circuit breaker's counting window",
  },
  {
    name: 'GATEWAY_ROUTE_TABLE_POLL_MS',
    readBy: 'gateway',
    default: '5000',
    description: 'how often an instance looks for a route table changed by another',
  },
  {
    name: 'GATEWAY_WEB_DIR',
    readBy: 'gateway',
    default: 'apps/web/dist',
    description: 'the built web app served at /',
  },
  ...(
    [
      ['DEFAULT', '300/1m per client'],
      ['AUTH', '10/1m per IP'],
      ['BROWSE', '600/1m per client'],
      ['HOLDS', '30/1m per client'],
      ['ORDERS', '10/1m per client'],
      ['QUEUE_JOIN', '60/1m per IP'],
      ['QUEUE_POLL', '30/1m per client'],
    ] as const
  ).map(
    ([routeClass, fallback]): EnvironmentVariable => ({
      name: `RATE_LIMIT_${routeClass}`,
      readBy: 'gateway',
      default: fallback,
      description: `rate limit of the ${routeClass.toLowerCase().replace('_', '-')} routes: \`10/1m\`, \`300/60s\`… or \`off\``,
    }),
  ),

  // The event service.
  {
    name: 'EVENT_CACHE_TTL_MS',
    readBy: 'event',
    default: '60000',
    description: 'cache lifetime of one event',
  },
  {
    name: 'EVENT_LISTING_CACHE_TTL_MS',
    readBy: 'event',
    default: '30000',
    description: 'cache lifetime of an event listing',
  },
  {
    name: 'EVENT_AVAILABILITY_CACHE_TTL_MS',
    readBy: 'event',
    default: '5000',
    description: 'cache lifetime of availability counts',
  },
  {
    name: 'EVENT_INVENTORY_TIMEOUT_MS',
    readBy: 'event',
    default: '10000',
    description: 'wait for the ticket service to create an inventory',
  },
  {
    name: 'EVENT_AVAILABILITY_TIMEOUT_MS',
    readBy: 'event',
    default: '1000',
    description: 'wait for the ticket service to count availability',
  },
  {
    name: 'EVENT_SEARCH_SIMILARITY_PERCENT',
    readBy: 'event',
    default: '40',
    description: 'word similarity above which a search word matches a word a typo away',
  },

  // The ticket service.
  {
    name: 'TICKET_HOLD_TTL_SECONDS',
    readBy: 'ticket',
    default: '600',
    description: 'how long a hold keeps its tickets',
  },
  {
    name: 'TICKET_MAX_PER_USER',
    readBy: 'ticket',
    default: '8',
    description: 'tickets one user may hold or own per event',
  },
  {
    name: 'TICKET_SWEEP_INTERVAL_MS',
    readBy: 'ticket',
    default: '5000',
    description: 'how often expired holds are returned (also read by `ticketing verify`)',
  },
  {
    name: 'TICKET_SWEEP_BATCH_SIZE',
    readBy: 'ticket',
    default: '500',
    description: 'holds expired per sweeper transaction',
  },
  {
    name: 'TICKET_LIVE_COALESCE_MS',
    readBy: 'ticket',
    default: '250',
    description: 'window over which live seat updates are batched',
  },
  {
    name: 'TICKET_SSE_KEEPALIVE_MS',
    readBy: 'ticket',
    default: '15000',
    description: 'keep-alive period of availability streams',
  },
  {
    name: 'TICKET_CHECK_IN_OPENS_BEFORE_MINUTES',
    readBy: 'ticket',
    default: '120',
    description: "how long before an event starts its door opens for check-in (it closes at the event's end)",
  },
  {
    name: 'TICKET_QUEUE_ADMIT_INTERVAL_MS',
    readBy: 'ticket',
    default: '1000',
    description: 'how often the waiting room admits people',
  },
  {
    name: 'TICKET_QUEUE_IDLE_SECONDS',
    readBy: 'ticket',
    default: '300',
    description: 'an admitted place with no hold expires after this long',
  },
  {
    name: 'TICKET_QUEUE_ADMISSION_SECONDS',
    readBy: 'ticket',
    default: '1200',
    description: 'how long an admission token lasts (≥ idle + hold time)',
  },
  {
    name: 'TICKET_QUEUE_AUTO_ENABLE_HOLDS',
    readBy: 'ticket',
    default: '0 (never)',
    description: 'live holds of one event that switch its waiting room on',
  },
  {
    name: 'TICKET_QUEUE_AUTO_DISABLE_HOLDS',
    readBy: 'ticket',
    default: 'half of TICKET_QUEUE_AUTO_ENABLE_HOLDS',
    description:
      'an automatically switched-on room switches off when nobody waits and live holds fall under this',
  },
  {
    name: 'TICKET_QUEUE_AUTO_ADMIT_PER_MINUTE',
    readBy: 'ticket',
    default: '300',
    description: 'admission rate of a room switched on automatically',
  },
  {
    name: 'TICKET_QUEUE_POW_MIN_BITS',
    readBy: 'ticket',
    default: '12',
    description: 'proof-of-work difficulty when nobody is joining (0 = no challenge)',
  },
  {
    name: 'TICKET_QUEUE_POW_MAX_BITS',
    readBy: 'ticket',
    default: '20',
    description: 'highest proof-of-work difficulty',
  },
  {
    name: 'TICKET_QUEUE_POW_JOINS_PER_BIT',
    readBy: 'ticket',
    default: '500',
    description: 'joins per minute that add one bit of difficulty',
  },
  {
    name: 'TICKET_QUEUE_CHALLENGE_SECONDS',
    readBy: 'ticket',
    default: '120',
    description: 'how long a proof-of-work challenge may be used',
  },

  // The order service.
  {
    name: 'ORDER_FEE_BASIS_POINTS',
    readBy: 'order',
    default: '0',
    description: 'service fee per ticket, as a share of its price',
  },
  {
    name: 'ORDER_FEE_FIXED',
    readBy: 'order',
    default: '0',
    description: 'fixed service fee per ticket, minor units',
  },
  {
    name: 'ORDER_REFUND_DEADLINE_HOURS',
    readBy: 'order',
    default: '48',
    description: 'buyers may cancel until this long before the event',
  },
  {
    name: 'ORDER_SAGA_LEASE_MS',
    readBy: 'order',
    default: '60000',
    description: 'how long a request or worker owns a saga (> 3 × payment timeout)',
  },
  {
    name: 'ORDER_RECOVERY_INTERVAL_MS',
    readBy: 'order',
    default: '2000',
    description: 'how often unfinished sagas are looked for',
  },
  {
    name: 'ORDER_REPLAY_WAIT_MS',
    readBy: 'order',
    default: '10000',
    description: 'how long a retried POST waits for the first request with its key',
  },
  {
    name: 'ORDER_TICKET_TIMEOUT_MS',
    readBy: 'order',
    default: '5000',
    description: 'wait for the ticket service',
  },
  {
    name: 'ORDER_PAYMENT_TIMEOUT_MS',
    readBy: 'order',
    default: '10000',
    description: 'wait for the payment service',
  },
  {
    name: 'ORDER_EVENT_TIMEOUT_MS',
    readBy: 'order',
    default: '2000',
    description: 'wait for the event service',
  },
  {
    name: 'ORDER_MAX_TICKETS_PER_IP_RANGE',
    readBy: 'order',
    default: '40',
    description: 'tickets one IPv4 /24 or IPv6 /48 may buy per event (0 = no cap)',
  },
  {
    name: 'ORDER_CRASH_AT',
    readBy: 'order',
    default: '—',
    description: 'tests only: the saga step at which the process stops as if it died (refused when deployed)',
  },
  {
    name: 'ORDER_CRASH_MODE',
    readBy: 'order',
    default: 'exit',
    description: 'tests only: `exit` or `throw` at ORDER_CRASH_AT',
  },

  // The payment service.
  {
    name: 'PAYMENT_GATEWAY',
    readBy: 'payment',
    default: 'sandbox',
    description: '`sandbox` (test cards) or `stripe`; must be named in production',
    requiredIn: ['production'],
  },
  {
    name: 'STRIPE_SECRET_KEY',
    readBy: 'payment',
    default: '—',
    description: 'with PAYMENT_GATEWAY=stripe: `sk_live_…` in production, `sk_test_…` in staging',
    secret: true,
  },
  {
    name: 'STRIPE_WEBHOOK_SECRET',
    readBy: 'payment',
    default: '—',
    description: 'with PAYMENT_GATEWAY=stripe: `whsec_…`',
    secret: true,
  },
  {
    name: 'STRIPE_PUBLISHABLE_KEY',
    readBy: 'payment',
    default: '—',
    description:
      'with PAYMENT_GATEWAY=stripe: `pk_…` in the secret key’s mode; checkout then shows Stripe Elements (GET /api/v1/payments/config)',
  },
  {
    name: 'STRIPE_API_URL',
    readBy: 'payment',
    default: 'Stripe',
    description: 'another API host, e.g. stripe-mock',
  },
  {
    name: 'PAYMENT_CARD_FINGERPRINT_SECRET',
    readBy: 'payment',
    default: 'a development value',
    description: 'keys the card fingerprints (HMAC-SHA256), ≥ 32 characters',
    requiredIn: DEPLOYED,
    secret: true,
  },
  {
    name: 'PAYMENT_GATEWAY_TIMEOUT_MS',
    readBy: 'payment',
    default: '8000',
    description: 'wait for the payment gateway before answering PENDING',
  },
  {
    name: 'PAYMENT_PENDING_LEASE_MS',
    readBy: 'payment',
    default: '60000',
    description: 'a PENDING payment untouched this long is settled with the gateway',
  },
  {
    name: 'PAYMENT_RECONCILE_INTERVAL_MS',
    readBy: 'payment',
    default: '10000',
    description: 'how often stale PENDING payments are looked for',
  },
  {
    name: 'PAYMENT_SANDBOX_SLOW_MS',
    readBy: 'payment',
    default: '12000',
    description: "how long the sandbox's slow test card takes",
  },
  {
    name: 'PAYMENT_MAX_TICKETS_PER_CARD',
    readBy: 'payment',
    default: '12',
    description: 'tickets one card may pay for per event (0 = no cap)',
  },
  {
    name: 'PAYMENT_FRAUD_MAX_AMOUNT',
    readBy: 'payment',
    default: '1000000',
    description: 'largest single payment in minor units (0 = no limit)',
  },
  {
    name: 'PAYMENT_FRAUD_WINDOW_MINUTES',
    readBy: 'payment',
    default: '15',
    description: 'window of the velocity and decline rules',
  },
  {
    name: 'PAYMENT_FRAUD_MAX_PER_USER',
    readBy: 'payment',
    default: '10',
    description: 'payment attempts per user in the window',
  },
  {
    name: 'PAYMENT_FRAUD_MAX_PER_CARD',
    readBy: 'payment',
    default: '10',
    description: 'payment attempts per card in the window',
  },
  {
    name: 'PAYMENT_FRAUD_MAX_PER_IP',
    readBy: 'payment',
    default: '50',
    description: 'payment attempts per address in the window',
  },
  {
    name: 'PAYMENT_FRAUD_MAX_DECLINES',
    readBy: 'payment',
    default: '3',
    description: 'declines in the window after which further attempts are blocked',
  },
  {
    name: 'PAYMENT_FRAUD_MAX_CARDS_PER_USER',
    readBy: 'payment',
    default: '4',
    description: 'different cards one user may try in the window',
  },

  // The notification service.
  {
    name: 'SMTP_URL',
    readBy: 'notification',
    default: '.eml files in DATA_DIR/outbox-mail',
    description: '`smtp://` or `smtps://` server that sends mail',
    requiredIn: DEPLOYED,
    secret: true,
  },
  {
    name: 'MAIL_FROM',
    readBy: 'notification',
    default: 'Ticketing <no-reply@ticketing.local>',
    description: 'From header of every mail',
    requiredIn: DEPLOYED,
  },
  {
    name: 'PUBLIC_WEB_URL',
    readBy: 'notification',
    default: 'the gateway URL',
    description: 'where links in messages point (https in production)',
    requiredIn: DEPLOYED,
  },
  {
    name: 'SMS_ACCOUNT_SID',
    readBy: 'notification',
    default: '—',
    description: 'SMS provider account (with SMS_AUTH_TOKEN and SMS_FROM); SMS are logged when unset',
  },
  {
    name: 'SMS_AUTH_TOKEN',
    readBy: 'notification',
    default: '—',
    description: 'SMS provider token',
    secret: true,
  },
  { name: 'SMS_FROM', readBy: 'notification', default: '—', description: 'SMS sender number or id' },
  {
    name: 'SMS_PROVIDER_URL',
    readBy: 'notification',
    default: 'https://api.twilio.com',
    description: 'base URL of a Twilio-shaped SMS API',
  },
  {
    name: 'VAPID_PUBLIC_KEY',
    readBy: 'notification',
    default: '—',
    description: 'Web Push key pair (with VAPID_PRIVATE_KEY and VAPID_SUBJECT); push is logged when unset',
  },
  {
    name: 'VAPID_PRIVATE_KEY',
    readBy: 'notification',
    default: '—',
    description: 'Web Push private key',
    secret: true,
  },
  {
    name: 'VAPID_SUBJECT',
    readBy: 'notification',
    default: '—',
    description: '`mailto:` or `https://` URL identifying the sender to push services',
  },
  {
    name: 'NOTIFICATION_MAX_ATTEMPTS',
    readBy: 'notification',
    default: '5',
    description: 'tries before a notification is FAILED',
  },
  {
    name: 'NOTIFICATION_RETRY_BASE_MS',
    readBy: 'notification',
    default: '30000',
    description: 'first retry delay, doubled each try',
  },
  {
    name: 'NOTIFICATION_RETRY_MAX_MS',
    readBy: 'notification',
    default: '3600000',
    description: 'longest retry delay',
  },
  {
    name: 'NOTIFICATION_WORKER_INTERVAL_MS',
    readBy: 'notification',
    default: '1000',
    description: 'how often due notifications are looked for',
  },
  {
    name: 'NOTIFICATION_BATCH_SIZE',
    readBy: 'notification',
    default: '100',
    description: 'notifications claimed per worker round',
  },
  {
    name: 'NOTIFICATION_SEND_RATE_PER_SECOND',
    readBy: 'notification',
    default: '50',
    description: 'messages per second per channel, all instances together',
  },
  {
    name: 'NOTIFICATION_SEND_CONCURRENCY',
    readBy: 'notification',
    default: '16',
    description: 'messages one instance prepares and sends at once (over at most 4 SMTP connections)',
  },
  {
    name: 'NOTIFICATION_RENDER_THREADS',
    readBy: 'notification',
    default: '1',
    description: 'worker threads rendering messages (templates, QR codes, MIME) off the event loop, 1–16',
  },
  {
    name: 'NOTIFICATION_REMINDER_LEAD_HOURS',
    readBy: 'notification',
    default: '24',
    description: 'how long before an event its ticket holders get a reminder',
  },
  {
    name: 'NOTIFICATION_REMINDER_INTERVAL_MS',
    readBy: 'notification',
    default: '60000',
    description: 'how often upcoming events are looked for',
  },
  {
    name: 'NOTIFICATION_CONTACT_TTL_HOURS',
    readBy: 'notification',
    default: '24',
    description: 'how long a contact read from the user service is kept',
  },
  {
    name: 'NOTIFICATION_PUSH_SERVICE_HOSTS',
    readBy: 'notification',
    default: 'fcm.googleapis.com, *.push.services.mozilla.com, *.notify.windows.com, *.push.apple.com',
    description:
      'hosts a push subscription endpoint may be on (`*.` any subdomain); any other endpoint, and any address literal, is refused, and pushes only connect to public addresses',
  },
];

const BY_NAME = new Map(ENVIRONMENT_VARIABLES.map((variable) => [variable.name, variable]));

/** The inventory entry of a variable, or undefined when the platform does not read it. */
export function environmentVariable(name: string): EnvironmentVariable | undefined {
  return BY_NAME.get(name);
}

// Prefixes that only the platform's own variables use: another variable under one is a typo.
// (Not KAFKA_: tools/stack's scripts take KAFKA_PORT, KAFKA_HEAP… of their own.)
const OWN_PREFIXES = [
  ...SERVICE_NAMES.map((service) => `${service.toUpperCase()}_`),
  'RATE_LIMIT_',
  'DATABASE_',
  'ADMIN_',
  'STRIPE_',
  'SMS_',
  'VAPID_',
];

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * Variables set under one of the platform's own prefixes that it does not read — most likely a
 * typo of the one suggested, a setting that would otherwise be ignored without a word.
 */
export function unknownVariables(
  env: Record<string, string | undefined>,
): { name: string; suggestion?: string }[] {
  return Object.keys(env)
    .filter((name) => OWN_PREFIXES.some((prefix) => name.startsWith(prefix)) && !BY_NAME.has(name))
    .sort()
    .map((name) => {
      const [closest] = ENVIRONMENT_VARIABLES.map((variable) => ({
        name: variable.name,
        distance: editDistance(name, variable.name),
      })).sort((a, b) => a.distance - b.distance);
      return closest && closest.distance <= 3 ? { name, suggestion: closest.name } : { name };
    });
}
