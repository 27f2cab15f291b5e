"""The gateway's SQLite file, and the only package that knows its tables: the schema, the book
(the floor view on SQLite) and the floor in memory (the same view for unit tests), the store
(the writer's transactions, the pages' read-only connection, the outbox), a sync applied, the
people and stations, the floor pages' queries, the quarantine's tables, the disk."""
