"""The central server, as the gateway meets it over HTTP: delivering the outbox, syncing the
book, reporting its health; each a worker with backoff (`worker`)."""
