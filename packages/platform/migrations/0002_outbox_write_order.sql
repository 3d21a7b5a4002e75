-- The relay sends in the order rows were written to this database. Ids are minted by the
-- writing process (UUIDv7, from its own clock): two instances on hosts whose clocks differ by a
-- few milliseconds could otherwise give an order's later event the smaller id.
ALTER TABLE {{schema}}.outbox ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;

CREATE INDEX outbox_pending_seq_idx ON {{schema}}.outbox (seq) WHERE published_at IS NULL AND dead_at IS NULL;
DROP INDEX {{schema}}.outbox_pending_idx;
