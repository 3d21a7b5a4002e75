-- The gateway's schema. It holds only the platform's outbox and inbox for now;
-- the route table moves here when the gateway issue makes it editable at run time.
SELECT 1;
