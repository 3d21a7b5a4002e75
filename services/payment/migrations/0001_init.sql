-- The payment service's schema: payments (one per order), their refunds, Stripe webhook
-- deliveries already handled, and the sandbox gateway's own ledger. No card number is stored
-- anywhere: a card is its brand, last four digits, expiry and a keyed fingerprint.

CREATE TABLE payments.payments (
  id                      uuid PRIMARY KEY,
  order_id                uuid        NOT NULL,
  user_id                 uuid        NOT NULL,
  amount                  bigint      NOT NULL CHECK (amount > 0),
  currency                text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  payment_method          text        NOT NULL CHECK (payment_method IN ('card')),
  card_brand              text        NOT NULL,
  card_last4              text CHECK (card_last4 ~ '^[0-9]{4}$'),
  card_exp_month          integer,
  card_exp_year           integer,
  -- HMAC-SHA256 of the card number under a server secret: the velocity rules count a card
  -- without the number being recoverable from the database.
  card_fingerprint        text,
  -- A gateway token (Stripe PaymentMethod id) when the buyer paid with one; never card data.
  payment_token           text,
  status                  text        NOT NULL CHECK (status IN ('PENDING', 'COMPLETED', 'FAILED', 'REFUNDED')),
  refunded_amount         bigint      NOT NULL DEFAULT 0,
  gateway                 text        NOT NULL,
  gateway_transaction_id  text,
  -- What the gateway answered, without card data, for support and audits.
  gateway_response        jsonb,
  failure_code            text,
  failure_reason          text,
  fraud_decision          text        NOT NULL CHECK (fraud_decision IN ('APPROVE', 'BLOCK')),
  fraud_score             integer     NOT NULL DEFAULT 0,
  fraud_reasons           jsonb       NOT NULL DEFAULT '[]'::jsonb,
  ip_address              text,
  description             text,
  idempotency_key         text,
  -- HMAC of the request that created the payment: a replay must carry the same one.
  request_hash            text        NOT NULL,
  -- Whoever set this last is charging the gateway; a PENDING payment whose attempt is older
  -- than the lease is settled by asking the gateway what it knows (see reconciliation).
  attempt_started_at      timestamptz,
  payment_date            timestamptz,
  created_at              timestamptz NOT NULL,
  updated_at              timestamptz NOT NULL,
  CONSTRAINT payments_refund_within_amount CHECK (refunded_amount >= 0 AND refunded_amount <= amount),
  CONSTRAINT payments_refunded_is_full CHECK ((status = 'REFUNDED') = (refunded_amount = amount)),
  CONSTRAINT payments_completed_has_date CHECK (status NOT IN ('COMPLETED', 'REFUNDED') OR payment_date IS NOT NULL),
  CONSTRAINT payments_failed_has_reason CHECK (status <> 'FAILED' OR failure_code IS NOT NULL)
);
-- Idempotent on the order: one payment per order, whatever the retries.
CREATE UNIQUE INDEX payments_order_unique ON payments.payments (order_id);
CREATE UNIQUE INDEX payments_idempotency_key_unique ON payments.payments (idempotency_key)
  WHERE idempotency_key IS NOT NULL;
-- Velocity rules count recent attempts per user, card and address.
CREATE INDEX payments_user_recent_idx ON payments.payments (user_id, created_at);
CREATE INDEX payments_card_recent_idx ON payments.payments (card_fingerprint, created_at)
  WHERE card_fingerprint IS NOT NULL;
CREATE INDEX payments_ip_recent_idx ON payments.payments (ip_address, created_at) WHERE ip_address IS NOT NULL;
CREATE INDEX payments_pending_idx ON payments.payments (attempt_started_at) WHERE status = 'PENDING';
CREATE INDEX payments_gateway_transaction_idx ON payments.payments (gateway_transaction_id)
  WHERE gateway_transaction_id IS NOT NULL;
CREATE INDEX payments_created_idx ON payments.payments (created_at);

CREATE TABLE payments.refunds (
  id                 uuid PRIMARY KEY,
  payment_id         uuid        NOT NULL REFERENCES payments.payments (id),
  amount             bigint      NOT NULL CHECK (amount > 0),
  status             text        NOT NULL CHECK (status IN ('PENDING', 'COMPLETED', 'FAILED')),
  reason             text        NOT NULL,
  idempotency_key    text        NOT NULL,
  gateway_refund_id  text,
  gateway_response   jsonb,
  failure_reason     text,
  attempt_started_at timestamptz,
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL
);
-- The same key refunds once.
CREATE UNIQUE INDEX refunds_idempotency_unique ON payments.refunds (payment_id, idempotency_key);
CREATE INDEX refunds_pending_idx ON payments.refunds (attempt_started_at) WHERE status = 'PENDING';

-- Stripe may deliver one webhook event several times; each is applied once.
CREATE TABLE payments.webhook_events (
  id           text PRIMARY KEY,
  type         text        NOT NULL,
  received_at  timestamptz NOT NULL
);

-- The sandbox gateway stands for an outside processor: it keeps its own ledger keyed by the
-- idempotency key it was called with, so a repeated call returns the first result and a
-- lookup after a lost answer finds what happened. Stripe keeps the same for its gateway.
CREATE TABLE payments.sandbox_ledger (
  idempotency_key  text PRIMARY KEY,
  kind             text        NOT NULL CHECK (kind IN ('charge', 'refund')),
  transaction_id   text        NOT NULL,
  outcome          text        NOT NULL CHECK (outcome IN ('succeeded', 'failed')),
  failure_code     text,
  amount           bigint      NOT NULL,
  currency         text        NOT NULL,
  response         jsonb       NOT NULL,
  created_at       timestamptz NOT NULL
);
