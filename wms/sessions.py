"""The session engine (SESSION_ENGINE): Django's cached_db, read from Redis, written through to
PostgreSQL, so a page costs no session statement and a session survives Redis being emptied.

Django's cached_db already tolerates a failed cache read and a failed cache write on save; two
calls of it do not: refilling the cache after a read from the database, and ``exists``. Both
only speed things up, so with Redis down they fall back to the database instead of failing the
request. Signing in drops the anonymous session it replaces: that one carries no sign-in, so a
cache that cannot be told is only logged. Deleting a signed-in session (sign-out) still fails,
as in Django, if Redis cannot be told: an error rather than a sign-out that may not have
happened.
"""

import logging

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import cached_db

logger = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    def load(self) -> dict:
        try:
            data = self._cache.get(self.cache_key)
        except Exception:  # Redis down (or a key it refuses): the database has the session
            data = None
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date))
        except Exception:
            logger.warning("session not cached: the cache is unavailable", exc_info=True)
        return data

    def exists(self, session_key: str | None) -> bool:
        try:
            if session_key and (self.cache_key_prefix + session_key) in self._cache:
                return True
        except Exception:
            logger.warning("session cache unavailable; asking the database", exc_info=True)
        return cached_db.DBStore.exists(self, session_key)

    def cycle_key(self) -> None:
        self._cycling = True
        try:
            super().cycle_key()
        finally:
            self._cycling = False

    def delete(self, session_key: str | None = None) -> None:
        anonymous = getattr(self, "_cycling", False) and SESSION_KEY not in self._session
        if not anonymous:
            super().delete(session_key)
            return
        try:
            super().delete(session_key)  # the database row first, then the cache's copy
        except Exception:
            logger.warning("replaced session left in the cache (no sign-in)", exc_info=True)
