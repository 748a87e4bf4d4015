"""The store: every Redis key wirewatch writes and every Lua script it runs, one module per concern.
Nothing above this package names a key; each module's functions are the only way to its keys.

    common       the prefix (ww:) and the reading of replies
    schedule     when each feed is due, leases of feeds in a poll job
    feeds        what each feed's polls left behind
    seen         each feed's window of recently listed entries (the rest: workers.history.seen)
    alerts       alerts recorded once per (rule, story), the stream of recent alerts, matches per day
    deliveries   delivery records, the recent list and the dead letters
    sinks        busy and disabled sinks
    slots        sending slots shared by every worker: per host (polls) and per sink (messages)
    digests      alerts waiting for their digest, and digests taken until delivered
    stories      the story index (near-duplicates across outlets) and each story's copies
    leader       the scheduler's leader lock
    generation   the config generation (`wirewatch reload`)
    outbox       history store writes kept while it is down
    legacy       the Redis-only version's keys, read by the upgrade to the history store

The table of every key (type, what it holds, its lifetime, what it grows with) is README.md beside
this file.
"""
