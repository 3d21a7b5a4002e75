-- A buyer cannot cancel an order once one of its tickets was checked in; an admin can, and how
-- many checked-in tickets the refund covered is recorded on the order (NULL: none, or not asked).
ALTER TABLE orders.orders ADD COLUMN checked_in_tickets_refunded integer CHECK (checked_in_tickets_refunded > 0);
