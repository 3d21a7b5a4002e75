// Spans of events. The request that writes an event to the outbox leaves its traceparent in the
// event's headers; the relay's `send` span continues that trace and replaces the traceparent
// with its own; each consumer's `process` span continues from there, in this process (in-process
// bus) or in another (Kafka message headers). One purchase is then one trace end to end.
import { SpanKind } from '@opentelemetry/api';
import type { DomainEvent, EventTransport } from './bus/types.js';
import {
  endSpan,
  extractTraceContext,
  injectTraceContext,
  inSpan,
  isTracing,
  serviceOfConsumerGroup,
  startSpan,
} from './tracing.js';

function messagingSystem(transport: string): string {
  return transport === 'kafka' ? 'kafka' : `ticketing-${transport}`;
}

function withoutTraceContext(headers: Record<string, string>): Record<string, string> {
  const { traceparent: _parent, tracestate: _state, ...rest } = headers;
  return rest;
}

/** transport.publish(events), each event in a `send` span of the publishing service. */
export async function publishTraced(
  transport: EventTransport,
  source: string,
  events: DomainEvent[],
): Promise<void> {
  if (!isTracing()) return transport.publish(events);
  const spans = events.map((event) =>
    startSpan(`send ${event.type}`, {
      kind: SpanKind.PRODUCER,
      service: source,
      parent: extractTraceContext(event.headers),
      attributes: {
        'messaging.system': messagingSystem(transport.kind),
        'messaging.operation.type': 'send',
        'messaging.destination.name': event.type,
        'messaging.message.id': event.id,
        'messaging.kafka.message.key': event.key,
      },
    }),
  );
  const sent = events.map((event, index) => {
    const headers = withoutTraceContext(event.headers);
    const started = spans[index];
    if (started) injectTraceContext(headers, started.context);
    return { ...event, headers };
  });
  try {
    await transport.publish(sent);
  } catch (error) {
    for (const started of spans) if (started) endSpan(started.span, error);
    throw error;
  }
  for (const started of spans) if (started) endSpan(started.span);
}

/** Runs a subscription's handler in a `process` span of the consuming service, continuing the event's trace. */
export function handleTraced(
  transport: string,
  group: string,
  event: DomainEvent,
  handle: () => Promise<void>,
): Promise<void> {
  if (!isTracing()) return handle();
  return inSpan(
    startSpan(`process ${event.type}`, {
      kind: SpanKind.CONSUMER,
      service: serviceOfConsumerGroup(group),
      parent: extractTraceContext(event.headers),
      attributes: {
        'messaging.system': messagingSystem(transport),
        'messaging.operation.type': 'process',
        'messaging.destination.name': event.type,
        'messaging.message.id': event.id,
        'messaging.consumer.group.name': group,
        'messaging.kafka.message.key': event.key,
      },
    }),
    handle,
  );
}
