"""The gateway's services: each one transaction on the store, with the time passed in.

A service opens the transaction (gateway/storage), runs the domain's rules against the book
inside it, and commits: `reads` takes the reads, `floor_pages` serves the floor pages. The
entry points (gateway/entrypoints) call services and never SQL.
"""
