"""The scanning station: `depot edge run` reads a station's devices, keeps every read on disk
and publishes it to the depot's broker until the gateway has answered it (docs/edge.md).

    decode/    pure: what bytes, key events, tag reads and camera frames mean
    readers/   devices -> raw reads; one module per kind of reader (readers/kinds.py)
    station/   raw reads -> spool -> broker, answers back
    config.py  the station's TOML; cli.py its commands; clock.py event ids and times
"""
