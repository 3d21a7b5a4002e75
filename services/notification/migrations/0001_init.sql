-- The notification service's schema (filled in by its issue).
SELECT 1;
