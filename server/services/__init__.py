"""One transaction each: look up, ask the domain, write through the ledger's one writer."""
