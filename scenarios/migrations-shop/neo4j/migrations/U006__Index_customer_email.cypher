DROP INDEX customer_email IF EXISTS;
