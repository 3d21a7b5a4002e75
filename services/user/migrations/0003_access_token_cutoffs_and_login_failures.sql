-- Per-user cut-offs: every access token of the user issued before not_before is refused (a role
-- change, a suspension, a password change, a refresh-token reuse). Kept until the last token it
-- can refuse would have expired; the gateway reads the copy in the cache store.
CREATE TABLE users.access_token_cutoffs (
  user_id    uuid PRIMARY KEY REFERENCES users.users (id) ON DELETE CASCADE,
  not_before timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX access_token_cutoffs_expiry_idx ON users.access_token_cutoffs (expires_at);

-- Failed logins per account: keyed by the account's id when it exists, else by the name as typed
-- (lower-cased), so an unknown name is throttled exactly like a real one. A successful login, from a
-- device the account used before while blocked, or a password change clears it.
CREATE TABLE users.login_failures (
  account_key    text PRIMARY KEY,
  failures       integer     NOT NULL,
  last_failed_at timestamptz NOT NULL,
  blocked_until  timestamptz
);
CREATE INDEX login_failures_last_failed_idx ON users.login_failures (last_failed_at);
