"""Where the world comes in: the `depot gateway` command, the MQTT intake, the floor pages and
enrolment over HTTP, and the process that wires them. Each translates the domain's errors
into its own answers in one place."""
