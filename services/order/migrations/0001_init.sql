-- The order service's schema (filled in by its issue).
SELECT 1;
