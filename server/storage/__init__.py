"""The schema, its migrations, the engines, and the read models the entry points read."""
