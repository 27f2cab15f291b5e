"""The central server: the ledger, the regulated workflows, the API and the dashboard.

Its layers, each a folder, each importing only those below it (docs/server.md):
entry points (web/, dash/, cli.py, ledger_cli.py) -> services/ -> storage/ -> domain/.
"""
