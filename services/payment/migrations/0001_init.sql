-- The payment service's schema (filled in by its issue).
SELECT 1;
