// The distributed mode's transport: events on Apache Kafka topics (one per event type),
// keyed by aggregate id so one aggregate's events keep their order in one partition.
// publish() resolves on the broker's acknowledgement (idempotent producer, acks=all), so
// the outbox marks a row sent only then. Each consumer group reads with one consumer per
// process and hands a message to every subscription of the group for its topic: messages of
// different keys concurrently (up to `consumerConcurrency`), one key's in order. A partition's
// offset is committed only up to its lowest unfinished message; a message that keeps failing
// goes to `<topic>.dlt` with the reason, and counts as finished so the partition moves on.
// The event travels as CloudEvents' Kafka binary mode: the payload is the JSON value, the
// envelope is in `ce_*` headers, and the event's own headers (traceparent) ride along.
import {
  Admin,
  Consumer,
  type Message,
  type MessagesStream,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import type { Logger } from '../logger.js';
import { handleTraced } from '../tracing-bus.js';
import { CommitTracker } from './commit-tracker.js';
import { isDependencyOutage } from './dependency-outage.js';
import { KeyOrderedRunner } from './key-ordered-runner.js';
import {
  type DomainEvent,
  type EventTransport,
  type Subscription,
  TransportUnavailableError,
} from './types.js';

export interface KafkaTransportOptions {
  /** host:port of one or more brokers. */
  brokers: string[];
  /** Names this process's connections in the broker's logs and metrics. */
  clientId: string;
  logger: Logger;
  /** Topics created at start (each with its dead-letter topic); others are created when first used. */
  topics?: string[];
  /** Put before every topic and group id: several platforms (or test runs) can share a cluster. */
  prefix?: string;
  /** Deliveries of one message before it goes to the dead-letter topic. */
  maxDeliveryAttempts?: number;
  /** Wait before the second delivery; doubles for each further one, at most 5 s. */
  redeliveryDelayMs?: number;
  /** Messages of different keys a group's consumer handles at once in this process (default 8). */
  consumerConcurrency?: number;
  /** How long a consumer may be silent before the group gives its partitions to another (≥ 6 s on a default broker). */
  sessionTimeoutMs?: number;
  /** Bound on one request to the broker. */
  requestTimeoutMs?: number;
}

/** Headers of the CloudEvents Kafka binding that carry the envelope. */
const CE = {
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  time: 'ce_time',
  specVersion: 'ce_specversion',
} as const;
const ENVELOPE_HEADERS = new Set<string>([...Object.values(CE), 'content-type']);
export const DEAD_LETTER_SUFFIX = '.dlt';
const CLOSE_TIMEOUT_MS = 5_000;

type StringMessage = Message<string, string, string, string>;
type StringConsumer = Consumer<string, string, string, string>;
type StringProducer = Producer<string, string, string, string>;

/** A group's consumer in this process and the subscriptions it serves. */
interface GroupRunner {
  group: string;
  subscriptions: Subscription[];
  stopped: boolean;
  /** Set when a subscription was added: the loop reconnects with the new topic list. */
  resubscribe: boolean;
  stream: MessagesStream<string, string, string, string> | undefined;
  /** Cut the redelivery waits short when stopping (several messages may be waiting at once). */
  wakers: Set<() => void>;
  loop: Promise<void> | undefined;
}

export { isDependencyOutage };

class StopDelivery extends Error {}

/** Closes a client even with streams open (a consumer leaves its group first); never rejects. */
const forceClose = (client: { close(force: boolean, callback: (error?: Error | null) => void): void }) =>
  new Promise<void>((resolve) => client.close(true, () => resolve()));

const sleep = (ms: number, runner: GroupRunner) =>
  new Promise<void>((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      runner.wakers.delete(wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    runner.wakers.add(wake);
  });

const wakeAll = (runner: GroupRunner) => {
  for (const wake of [...runner.wakers]) wake();
};

/** Network and timeout errors, anywhere in the client's nested errors, mean the broker is not there. */
function isBrokerUnreachable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 5) return false;
  const code = (error as { code?: string }).code;
  if (code === 'PLT_KFK_NETWORK' || code === 'PLT_KFK_TIMEOUT') return true;
  if (/cannot connect to any broker|ECONNREFUSED|ECONNRESET|socket hang up/i.test(error.message)) return true;
  const nested = (error as { errors?: unknown[] }).errors ?? [];
  return (
    nested.some((inner) => isBrokerUnreachable(inner, depth + 1)) ||
    isBrokerUnreachable((error as { cause?: unknown }).cause, depth + 1)
  );
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const nested = (error as { errors?: unknown[] }).errors;
  const first = nested?.[0];
  return first instanceof Error ? `${error.message}: ${describe(first)}` : error.message;
}

export class KafkaTransport implements EventTransport {
  readonly kind = 'kafka';
  private readonly prefix: string;
  private readonly maxAttempts: number;
  private readonly groups = new Map<string, GroupRunner>();
  /** Topics known to exist (full names, prefix included). */
  private readonly existingTopics = new Set<string>();
  private producer: StringProducer | undefined;
  private readonly admin: Admin;
  private closed = false;

  constructor(private readonly options: KafkaTransportOptions) {
    this.prefix = options.prefix ?? '';
    this.maxAttempts = options.maxDeliveryAttempts ?? 5;
    this.admin = new Admin({ ...this.clientOptions('admin'), retries: 1 });
  }

  private clientOptions(role: string) {
    return {
      clientId: `${this.options.clientId}-${role}`,
      bootstrapBrokers: this.options.brokers,
      timeout: this.options.requestTimeoutMs ?? 5_000,
      retries: 2,
      retryDelay: 250,
    };
  }

  /** The broker-side name of an event type's topic. */
  topicName(type: string): string {
    return `${this.prefix}${type}`;
  }

  /** Creates the configured topics and their dead-letter topics; rejects when no broker answers. */
  async start(): Promise<void> {
    await this.ensureTopics((this.options.topics ?? []).map((type) => this.topicName(type)));
  }

  async publish(events: DomainEvent[]): Promise<void> {
    if (this.closed) throw new TransportUnavailableError('the Kafka transport is closed');
    if (events.length === 0) return;
    // Serializing first: a payload that cannot be sent is the event's fault, never an outage.
    const messages = events.map((event) => ({
      topic: this.topicName(event.type),
      key: event.key,
      value: JSON.stringify(event.payload),
      headers: {
        ...event.headers,
        [CE.specVersion]: '1.0',
        [CE.id]: event.id,
        [CE.type]: event.type,
        [CE.source]: event.source,
        [CE.time]: event.occurredAt,
        'content-type': 'application/json',
      },
    }));
    try {
      await this.ensureTopics(messages.map((message) => message.topic));
      await this.openProducer().send({ messages });
    } catch (error) {
      // A fresh producer (new producer id) after any failure: after a broker restart that lost
      // its state, the old id's sequence numbers would be refused forever.
      const failed = this.producer;
      this.producer = undefined;
      if (failed) void forceClose(failed);
      if (isBrokerUnreachable(error)) {
        throw new TransportUnavailableError(`Kafka unreachable: ${describe(error)}`, { cause: error });
      }
      throw error;
    }
  }

  async subscribe(subscription: Subscription): Promise<void> {
    if (this.closed) throw new TransportUnavailableError('the Kafka transport is closed');
    const existing = this.groups.get(subscription.group);
    if (existing) {
      existing.subscriptions.push(subscription);
      existing.resubscribe = true;
      void existing.stream?.close().catch(() => undefined);
      return;
    }
    const runner: GroupRunner = {
      group: subscription.group,
      subscriptions: [subscription],
      stopped: false,
      resubscribe: false,
      stream: undefined,
      wakers: new Set(),
      loop: undefined,
    };
    this.groups.set(subscription.group, runner);
    runner.loop = this.consume(runner);
  }

  async check(): Promise<void> {
    if (this.closed) throw new TransportUnavailableError('the Kafka transport is closed');
    try {
      await this.admin.metadata({ topics: [], forceUpdate: true });
    } catch (error) {
      throw new TransportUnavailableError(`Kafka unreachable: ${describe(error)}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const runners = [...this.groups.values()];
    for (const runner of runners) {
      runner.stopped = true;
      wakeAll(runner);
      void runner.stream?.close().catch(() => undefined);
    }
    // Bounded: with the broker gone, leaving a group would otherwise wait for every retry.
    const closing = Promise.allSettled(runners.map((runner) => runner.loop)).then(() =>
      Promise.allSettled([this.producer && forceClose(this.producer), this.admin.close()]),
    );
    await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref())]);
  }

  private openProducer(): StringProducer {
    this.producer ??= new Producer({
      ...this.clientOptions('producer'),
      serializers: stringSerializers,
      // Idempotent with acks from every in-sync replica: a retried batch is written once,
      // in order, and an acknowledged event survives the loss of the partition leader.
      idempotent: true,
      acks: -1,
      autocreateTopics: false,
    });
    return this.producer;
  }

  /** Creates missing topics (and their dead-letter topics) with the broker's default partitions and replication. */
  private async ensureTopics(topics: string[]): Promise<void> {
    const withDeadLetters = topics.flatMap((topic) =>
      topic.endsWith(DEAD_LETTER_SUFFIX) ? [topic] : [topic, `${topic}${DEAD_LETTER_SUFFIX}`],
    );
    const missing = [...new Set(withDeadLetters)].filter((topic) => !this.existingTopics.has(topic));
    if (missing.length === 0) return;
    try {
      await this.admin.createTopics({ topics: missing, partitions: -1, replicas: -1 });
    } catch (error) {
      const errors = (error as { errors?: { apiId?: string }[] }).errors ?? [];
      const onlyExisting =
        errors.length > 0 && errors.every((inner) => inner.apiId === 'TOPIC_ALREADY_EXISTS');
      if (!onlyExisting) throw error;
    }
    for (const topic of missing) this.existingTopics.add(topic);
  }

  /** One group's consumer loop: reconnects with backoff until the transport closes. */
  private async consume(runner: GroupRunner): Promise<void> {
    const logger = this.options.logger.child({ consumerGroup: runner.group });
    let failures = 0;
    while (!runner.stopped) {
      runner.resubscribe = false;
      const consumer: StringConsumer = new Consumer({
        ...this.clientOptions(`consumer-${runner.group}`),
        groupId: `${this.prefix}${runner.group}`,
        deserializers: stringDeserializers,
        autocommit: false,
        sessionTimeout: this.options.sessionTimeoutMs ?? 10_000,
        heartbeatInterval: 1_000,
        maxWaitTime: 500,
      });
      try {
        const topics = [...new Set(runner.subscriptions.flatMap((subscription) => subscription.topics))].map(
          (type) => this.topicName(type),
        );
        await this.ensureTopics(topics);
        // A new group starts from the oldest retained message, so events published before a
        // service first started are not skipped; the inbox absorbs any replay.
        runner.stream = await consumer.consume({ topics, mode: 'committed', fallbackMode: 'earliest' });
        if (runner.stopped) break;
        if (failures > 0) logger.info('Kafka consumer reconnected');
        failures = 0;
        await this.handleStream(runner, runner.stream, logger);
        // A stream that ended by itself (not stopped, no new subscription) counts as a failure,
        // so reconnecting backs off instead of spinning.
        if (!runner.stopped && !runner.resubscribe) failures++;
      } catch (error) {
        if (runner.stopped) break;
        if (!(error instanceof StopDelivery)) {
          if (failures === 0) logger.warn({ err: error }, 'Kafka consumer failing; will reconnect');
          failures++;
        }
      } finally {
        await runner.stream?.close().catch(() => undefined);
        runner.stream = undefined;
        await forceClose(consumer);
      }
      if (!runner.stopped && failures > 0) await sleep(Math.min(250 * 2 ** (failures - 1), 5_000), runner);
    }
  }

  /**
   * Reads the stream until it ends or a delivery fails, handling messages of different keys
   * concurrently and committing each partition up to its lowest unfinished message. Rejects
   * with the first failure (a stop mid-retry, a broker refusing a dead letter or a commit)
   * once every running delivery has settled, so the next consumer starts from the committed offsets.
   */
  private async handleStream(
    runner: GroupRunner,
    stream: MessagesStream<string, string, string, string>,
    logger: Logger,
  ): Promise<void> {
    const lanes = new KeyOrderedRunner(this.options.consumerConcurrency ?? 8);
    const offsets = new CommitTracker<StringMessage>();
    let failure: { error: unknown } | undefined;
    let commits = Promise.resolve();
    const fail = (error: unknown) => {
      failure ??= { error };
      // Ends the read loop now rather than at the next message.
      void stream.close().catch(() => undefined);
    };
    try {
      for await (const message of stream as AsyncIterable<StringMessage>) {
        if (runner.stopped || runner.resubscribe || failure) break;
        const partition = `${message.topic}:${message.partition}`;
        offsets.track(partition, message);
        const { done } = await lanes.submit(this.orderKey(runner, message), () =>
          this.deliver(runner, message, logger),
        );
        done.then(() => {
          const committable = offsets.finish(partition, message);
          if (committable) commits = commits.then(() => committable.commit()).catch(fail);
        }, fail);
      }
    } finally {
      // Deliveries still running finish (or give up when stopping) before the consumer closes.
      await lanes.idle();
      await commits;
    }
    if (failure) throw failure.error;
  }

  /**
   * The lane of a message: the order key its subscriptions name when they all name the same one,
   * else the message's key (its aggregate). A message without a key has no order to keep.
   */
  private orderKey(runner: GroupRunner, message: StringMessage): string {
    const byMessage = message.key ?? `${message.topic}:${message.partition}:${message.offset}`;
    const type = message.topic.slice(this.prefix.length);
    const handlers = runner.subscriptions.filter((subscription) => subscription.topics.includes(type));
    if (handlers.length === 0 || handlers.some((subscription) => !subscription.orderKey)) return byMessage;
    let event: DomainEvent;
    try {
      event = this.decode(message);
    } catch {
      return byMessage; // dead-lettered by its delivery
    }
    const keys = new Set(handlers.map((subscription) => subscription.orderKey!(event)));
    return keys.size === 1 ? [...keys][0]! : byMessage;
  }

  /** Hands a message to the group's subscriptions for its topic, retrying, then dead-lettering it. */
  private async deliver(runner: GroupRunner, message: StringMessage, logger: Logger): Promise<void> {
    let event: DomainEvent;
    try {
      event = this.decode(message);
    } catch (error) {
      await this.deadLetter(runner, message, error, 1, logger);
      return;
    }
    const handlers = runner.subscriptions.filter((subscription) => subscription.topics.includes(event.type));
    let attempt = 0;
    let outages = 0;
    for (;;) {
      // Each delivery is a `process` span continuing the trace from the message's traceparent header.
      const outcomes = await Promise.allSettled(
        handlers.map((subscription) =>
          handleTraced(this.kind, subscription.group, event, () => subscription.handle(event)),
        ),
      );
      const failure = outcomes.find((outcome) => outcome.status === 'rejected');
      if (!failure) {
        if (outages > 0) logger.info({ eventId: event.id }, 'event handler recovered');
        return;
      }
      const reason = (failure as PromiseRejectedResult).reason;
      // Stopping mid-retry: leave the offset uncommitted, the next consumer retries it.
      if (runner.stopped || runner.resubscribe) throw new StopDelivery();
      // The handler's database (or another dependency) is unreachable: not the message's
      // fault, so it waits, uncounted, instead of going to the dead-letter topic.
      if (isDependencyOutage(reason)) {
        if (outages++ === 0)
          logger.warn({ err: reason, eventId: event.id }, 'event handler cannot reach a dependency; waiting');
        await sleep(Math.min(250 * 2 ** Math.min(outages - 1, 5), 5_000), runner);
        continue;
      }
      attempt++;
      if (attempt >= this.maxAttempts) {
        await this.deadLetter(runner, message, reason, attempt, logger);
        return;
      }
      logger.debug({ err: reason, eventId: event.id, attempt }, 'event handler failed; redelivering');
      await sleep(Math.min((this.options.redeliveryDelayMs ?? 200) * 2 ** (attempt - 1), 5_000), runner);
    }
  }

  private decode(message: StringMessage): DomainEvent {
    const headers: Record<string, string> = {};
    for (const [name, value] of message.headers) headers[String(name)] = String(value);
    const id = headers[CE.id];
    if (!id) throw new Error(`message without a ${CE.id} header`);
    // The topic, not ce_type, says what the message is here: on `<topic>.dlt` it is a dead letter.
    const type = message.topic.slice(this.prefix.length);
    return {
      id,
      type,
      key: message.key ?? '',
      occurredAt: headers[CE.time] ?? new Date(Number(message.timestamp)).toISOString(),
      source: headers[CE.source] ?? 'unknown',
      payload: JSON.parse(message.value),
      headers: Object.fromEntries(Object.entries(headers).filter(([name]) => !ENVELOPE_HEADERS.has(name))),
    };
  }

  /** Parks a message on `<topic>.dlt` with why and where it failed; throws if the broker refuses it. */
  private async deadLetter(
    runner: GroupRunner,
    message: StringMessage,
    reason: unknown,
    attempts: number,
    logger: Logger,
  ): Promise<void> {
    const headers: Record<string, string> = {};
    for (const [name, value] of message.headers) headers[String(name)] = String(value);
    const topic = `${message.topic}${DEAD_LETTER_SUFFIX}`;
    await this.ensureTopics([message.topic]);
    await this.openProducer().send({
      messages: [
        {
          topic,
          key: message.key,
          value: message.value,
          headers: {
            ...headers,
            'dlt-group': runner.group,
            'dlt-error': describe(reason).slice(0, 2_000),
            'dlt-attempts': String(attempts),
            'dlt-topic': message.topic,
            'dlt-partition': String(message.partition),
            'dlt-offset': String(message.offset),
          },
        },
      ],
    });
    logger.error(
      { err: reason, eventId: headers[CE.id], topic: message.topic, deadLetterTopic: topic, attempts },
      'event sent to the dead-letter topic after repeated failures',
    );
  }
}
