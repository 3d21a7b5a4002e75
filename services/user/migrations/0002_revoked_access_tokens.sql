-- Logged-out access tokens, kept until they would have expired. The gateway reads the copy in
-- the cache store; this table is what that copy is rebuilt from (a Redis restart loses it) and
-- what the gateway asks when the cache store cannot be read.
CREATE TABLE users.revoked_access_tokens (
  token_id   uuid PRIMARY KEY,
  user_id    uuid        NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX revoked_access_tokens_expiry_idx ON users.revoked_access_tokens (expires_at);
