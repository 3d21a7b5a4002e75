// What the order service publishes (through its outbox, in the transaction that changes the
// order) and consumes: an event's cancellation refunds its orders; payment outcomes wake the
// saga of an order waiting for them.
import {
  type OrderCancelledPayload,
  type OrderConfirmedPayload,
  type OrderCreatedPayload,
  type OrderFailedPayload,
  OrderTopics,
  PaymentTopics,
  Topics,
} from '@ticketing/contracts';
import type { NewEvent } from '@ticketing/platform';
import type { OrderLineRow, OrderRow } from './tables.js';

export const PUBLISHES = [
  OrderTopics.orderCreated,
  OrderTopics.orderConfirmed,
  OrderTopics.orderCancelled,
  OrderTopics.orderFailed,
] as const;

export const CONSUMES = [
  Topics.eventCancelled,
  PaymentTopics.paymentProcessed,
  PaymentTopics.paymentFailed,
] as const;

/** Consumer name in the inbox for event-cancelled. */
export const EVENT_CANCELLED_CONSUMER = 'order-service:event-cancelled';

function facts(order: OrderRow, lines: OrderLineRow[]) {
  return {
    orderId: order.id,
    userId: order.userId,
    eventId: order.eventId,
    total: order.totalAmount,
    currency: order.currency,
    quantity: order.quantity,
    ticketIds: lines.map((line) => line.ticketId),
  };
}

export function orderCreated(order: OrderRow, lines: OrderLineRow[]): NewEvent<OrderCreatedPayload> {
  return {
    type: OrderTopics.orderCreated,
    key: order.id,
    payload: { ...facts(order, lines), holdId: order.holdId, createdAt: order.createdAt.toISOString() },
  };
}

export function orderConfirmed(order: OrderRow, lines: OrderLineRow[]): NewEvent<OrderConfirmedPayload> {
  return {
    type: OrderTopics.orderConfirmed,
    key: order.id,
    payload: {
      ...facts(order, lines),
      paymentId: order.paymentId!,
      confirmedAt: (order.confirmedAt ?? order.updatedAt).toISOString(),
      event: { title: order.eventTitle, startsAt: order.eventStartsAt?.toISOString() ?? null },
    },
  };
}

export function orderCancelled(order: OrderRow, lines: OrderLineRow[]): NewEvent<OrderCancelledPayload> {
  return {
    type: OrderTopics.orderCancelled,
    key: order.id,
    payload: {
      ...facts(order, lines),
      refundedAmount: order.refundedAmount,
      by: order.cancelledBy ?? 'admin',
      reason: order.cancelReason ?? '',
      cancelledAt: (order.cancelledAt ?? order.updatedAt).toISOString(),
    },
  };
}

export function orderFailed(order: OrderRow, lines: OrderLineRow[]): NewEvent<OrderFailedPayload> {
  return {
    type: OrderTopics.orderFailed,
    key: order.id,
    payload: {
      ...facts(order, lines),
      failureCode: order.failureCode ?? 'failed',
      failureReason: order.failureReason ?? 'The order failed',
      failedAt: (order.failedAt ?? order.updatedAt).toISOString(),
    },
  };
}
