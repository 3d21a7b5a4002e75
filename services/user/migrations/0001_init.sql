-- The user service's schema: accounts, refresh-token families and JWT signing keys.

CREATE TABLE users.users (
  id                   uuid PRIMARY KEY,
  username             text        NOT NULL,
  email                text        NOT NULL,
  password_hash        text        NOT NULL,
  first_name           text        NOT NULL,
  last_name            text        NOT NULL,
  phone_number         text,
  locale               text        NOT NULL DEFAULT 'en',
  roles                text[]      NOT NULL DEFAULT ARRAY['USER'],
  status               text        NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'DISABLED')),
  password_changed_at  timestamptz NOT NULL DEFAULT now(),
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_roles_known CHECK (roles <@ ARRAY['USER', 'ORGANIZER', 'STAFF', 'ADMIN'] AND cardinality(roles) > 0)
);

-- Case-insensitive uniqueness: "Alice" and "alice" are the same account name.
CREATE UNIQUE INDEX users_username_unique ON users.users (lower(username));
CREATE UNIQUE INDEX users_email_unique ON users.users (lower(email));
CREATE INDEX users_roles_idx ON users.users USING gin (roles);

-- Refresh tokens are stored as SHA-256 hashes. A login starts a family; each refresh
-- rotates to a new token of the same family; presenting a used token again revokes the family.
CREATE TABLE users.refresh_tokens (
  id           uuid PRIMARY KEY,
  family_id    uuid        NOT NULL,
  user_id      uuid        NOT NULL REFERENCES users.users (id) ON DELETE CASCADE,
  token_hash   bytea       NOT NULL UNIQUE,
  expires_at   timestamptz NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  used_at      timestamptz,
  revoked_at   timestamptz,
  user_agent   text,
  ip_address   text
);
CREATE INDEX refresh_tokens_family_idx ON users.refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON users.refresh_tokens (user_id);

-- Keys signing access tokens. Shared by every instance through the database so
-- each can sign and the JWKS lists them all; retired keys stay published for a day.
CREATE TABLE users.signing_keys (
  kid          text PRIMARY KEY,
  algorithm    text        NOT NULL,
  public_jwk   jsonb       NOT NULL,
  private_jwk  jsonb       NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  retired_at   timestamptz
);
