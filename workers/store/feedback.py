"""The secret feedback links are signed with (pipeline.feedback), when the config gives none:
made once by whichever process needs it first and kept, so that every process of the system
signs and checks alike, and links stay good across restarts.

    ww:feedback:secret   string: 32 random bytes, hex; no TTL
"""

from __future__ import annotations

import secrets

from redis import Redis

from .common import PREFIX, to_str

KEY = f"{PREFIX}feedback:secret"


def secret(redis: Redis, configured: str | None) -> bytes:
    """The config's `feedback_secret`, else the system's own (made here if there is none yet)."""
    if configured:
        return configured.encode()
    redis.set(KEY, secrets.token_hex(32), nx=True)
    return str(to_str(redis.get(KEY))).encode()
