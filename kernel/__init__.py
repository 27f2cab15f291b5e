"""The kernel every part of depot-floor stands on: stations (`edge`), gateways (`gateway`),
the central server (`server`) and the configuration tool (`siteconfig`) import it and never
each other (the gateway may use `edge.decode`); it imports none of them, and nothing outside
the standard library when it is imported.

- `contract`: the MQTT contract between stations and gateways (topics, scan, answer, status);
- `bounds`: the bounds every input is checked against where it enters;
- `cli`: the `depot` command, to which each part adds its subcommands;
- `config`, `tomlfile`: reading and writing configuration files; `mqtt`: a broker client;
- `sqlite`: a part's own durable SQLite file; `private`: owner-only files and folders;
- `passwords`, `guessing`, `csrf`: password hashes, throttling guesses, forged forms;
- `enrolment`: a device joining its depot with an enrolment sheet;
- `paperfont`: the font of every printed paper; `heap`: settling the heap after start-up;
- `clock`: the time of day as an input (the entry points are built with a clock).
"""
