"""The gateway's SQLite file: its schema, the book (the floor view on SQLite), the store of
reads and the outbox, the quarantine's tables, and the read-only queries of the floor pages.
Only this package knows the tables."""
