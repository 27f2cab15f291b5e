"""The gateway's services: each one transaction on the book, with the clock passed in.

A service opens the transaction (gateway/storage), runs the domain's rules against the book
inside it, and commits; the entry points (gateway/entrypoints) call services and never SQL.
"""
