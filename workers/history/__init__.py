"""The history store: what grows with time (archived articles with a full-text index, alerts,
deliveries and their tries, seen entries), in SQL through SQLAlchemy Core with Alembic
migrations. SQLite under data_dir by default, PostgreSQL for many machines.

    database     where the store is (history_url_for), its engine, `History`
    migrate      schema versions, applied under a lock
    schema       the tables
    articles     the archive: add, read by time, search through the full-text index, retention
    alerts       alerts made
    deliveries   deliveries, their tries, dead letters
    seen         entries handed to article work, beyond each feed's window in Redis
    status       what `wirewatch db status` says
"""

from .database import HISTORY_URL_ENV, DiskLow, History, HistoryUrlError, check_url, history_url_for

__all__ = ["HISTORY_URL_ENV", "DiskLow", "History", "HistoryUrlError", "check_url", "history_url_for"]
