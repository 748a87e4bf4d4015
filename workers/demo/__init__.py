"""The demo and the loopback sites the demo, the tests and the benches serve: seeded feeds and
pages on 127.0.0.1, a Standard Webhooks receiver, a recorder for Apprise's posts (see site.py;
`wirewatch demo` replays the seeds through the real pipeline)."""
