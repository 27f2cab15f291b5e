"""The gateway's rules: pure functions over frozen dataclasses, and their errors.

FIFO (`fifo`), where a unit goes (`placement`), RFID smoothing at the doors (`smoothing`),
what a broken message costs (`quarantine`), and the floor workflows (`workflows`), which decide
what a read means over the floor view (`floor.FloorView`), never over a database. Nothing here
opens a file, a socket or a clock: the time is an argument.
"""
