-- The route table, editable at run time by an ADMIN. Every version is kept (an audit trail
-- and a way back); the highest version is in force. Instances poll max(version) to notice a
-- change made through another instance.
CREATE TABLE gateway.route_tables (
  version     bigint      PRIMARY KEY CHECK (version > 0),
  routes      jsonb       NOT NULL CHECK (jsonb_typeof(routes) = 'array'),
  upstreams   jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(upstreams) = 'object'),
  -- 'defaults': written from the code's defaults (updated when they change);
  -- 'admin': written through the admin API (kept until an admin changes it again).
  origin      text        NOT NULL CHECK (origin IN ('defaults', 'admin')),
  created_by  text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
