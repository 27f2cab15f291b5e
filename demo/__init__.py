"""`depot demo`: the whole system on one machine, on embedded defaults (the example depot
LC01 built from firmware-config/sites/LC01.yaml: broker, gateway, a keyboard station and the
server). The demo starts every part, so it alone may import them all."""
