"""Real processes for the tests: Mosquitto, PostgreSQL, the server, the gateway, edge agents."""
