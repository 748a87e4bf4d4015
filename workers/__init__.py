"""wirewatch's running system: RQ jobs, Redis state, the scheduler, the embedded Redis, the CLI."""
