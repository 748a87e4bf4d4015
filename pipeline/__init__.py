"""wirewatch's domain: plain functions and small typed records, no Redis or RQ."""
