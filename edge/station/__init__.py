"""The running station: for each device, its reader's reads decoded, kept in its spool,
published to the depot's broker and kept until the gateway answers them.

    agent.py   Station and DeviceAgent: reads in, spool, MQTT out, answers and beeps back
    spool.py   the SQLite queue of unanswered reads, one file per device
"""
