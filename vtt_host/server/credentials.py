"""Join codes, GM tokens and session tokens, kept in the campaign's secrets.

Secrets live in the store next to the campaign (never in exports or backups), so they
survive a host restart. Session tokens are stored only as SHA-256 digests: someone who
reads the database cannot resume as a player. Every comparison is constant-time.

Keys (all strings): ``join_code``, ``gm_token``, ``sessions:<playerId>`` holding a
JSON list of token digests, newest last (the GM's id is ``gm``), and
``recovery:<playerId>`` holding the digest of the player's recovery code.

A session token is a device's identity; a recovery code is the player's own way to
add a device without asking the GM. Both are shown once and kept only as digests.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Awaitable, Callable

JOIN_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
"""32 symbols (5 bits each) without 0/O and 1/I: read aloud and typed without mistakes."""
JOIN_CODE_GROUPS = (4, 4, 2)
"""10 symbols = 50 bits: at 5 guesses a minute per address, hopeless to guess."""
GM_TOKEN_BYTES = 32
SESSION_TOKEN_BYTES = 32
SESSIONS_PER_PLAYER = 8
"""Devices a player may resume from at once; the oldest session is forgotten first."""
RECOVERY_CODE_GROUPS = (4, 4, 4)
"""12 symbols = 60 bits, written down by a person: the join code's alphabet and form."""

JOIN_CODE_KEY = "join_code"
GM_TOKEN_KEY = "gm_token"
SESSIONS_PREFIX = "sessions:"
RECOVERY_PREFIX = "recovery:"

SaveSecret = Callable[[str, str], Awaitable[None]]
DeleteSecret = Callable[[str], Awaitable[None]]


def _grouped_code(sizes: tuple[int, ...]) -> str:
    symbols = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(sum(sizes)))
    groups, start = [], 0
    for size in sizes:
        groups.append(symbols[start : start + size])
        start += size
    return "-".join(groups)


def new_join_code() -> str:
    return _grouped_code(JOIN_CODE_GROUPS)


def new_recovery_code() -> str:
    return _grouped_code(RECOVERY_CODE_GROUPS)


def normalize_code(code: str) -> str:
    """What a person types: any case, with or without dashes and spaces."""
    return "".join(code.split()).replace("-", "").upper()


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class Credentials:
    """One campaign's credentials: an in-memory copy of its secrets, saved on change.

    Not safe for concurrent writers beyond one event loop; the host calls it from one.
    """

    def __init__(
        self, stored: dict[str, str], save: SaveSecret, delete: DeleteSecret | None = None
    ) -> None:
        self._secrets = dict(stored)
        self._save = save
        self._delete = delete

    @classmethod
    async def load(
        cls, stored: dict[str, str], save: SaveSecret, delete: DeleteSecret | None = None
    ) -> Credentials:
        """Read the campaign's secrets, creating a join code and GM token if missing."""
        credentials = cls(stored, save, delete)
        if JOIN_CODE_KEY not in credentials._secrets:
            await credentials._set(JOIN_CODE_KEY, new_join_code())
        if GM_TOKEN_KEY not in credentials._secrets:
            await credentials._set(GM_TOKEN_KEY, secrets.token_urlsafe(GM_TOKEN_BYTES))
        return credentials

    async def _set(self, key: str, value: str) -> None:
        await self._save(key, value)
        self._secrets[key] = value

    @property
    def join_code(self) -> str:
        return self._secrets[JOIN_CODE_KEY]

    @property
    def gm_token(self) -> str:
        return self._secrets[GM_TOKEN_KEY]

    def check_code(self, code: str) -> bool:
        return _same(normalize_code(code), normalize_code(self.join_code))

    def check_gm_token(self, token: str) -> bool:
        return _same(token, self.gm_token)

    async def rotate_join_code(self) -> str:
        """A new code; the old one stops admitting anyone (sessions stay valid)."""
        code = new_join_code()
        await self._set(JOIN_CODE_KEY, code)
        return code

    def session_owner(self, token: str) -> str | None:
        """The playerId (or ``gm``) a session token belongs to, or None."""
        wanted = digest(token)
        owner = None
        for key, value in self._secrets.items():
            if key.startswith(SESSIONS_PREFIX):
                for stored in json.loads(value):
                    if _same(stored, wanted):
                        owner = key.removeprefix(SESSIONS_PREFIX)
        return owner

    async def issue_session(self, player_id: str) -> str:
        token = secrets.token_urlsafe(SESSION_TOKEN_BYTES)
        key = SESSIONS_PREFIX + player_id
        held = json.loads(self._secrets.get(key, "[]"))
        held = [*held, digest(token)][-SESSIONS_PER_PLAYER:]
        await self._set(key, json.dumps(held))
        return token

    async def revoke_sessions(self, player_id: str) -> None:
        """Void every session of a player: they must join again with the code."""
        await self._set(SESSIONS_PREFIX + player_id, "[]")

    async def issue_recovery(self, player_id: str) -> str:
        """A new recovery code for the player (the previous one stops working)."""
        code = new_recovery_code()
        await self._set(RECOVERY_PREFIX + player_id, digest(normalize_code(code)))
        return code

    def check_recovery(self, player_id: str, code: str) -> bool:
        stored = self._secrets.get(RECOVERY_PREFIX + player_id)
        wanted = digest(normalize_code(code))
        return _same(stored or "", wanted) and stored is not None

    def players(self) -> set[str]:
        """Every playerId that holds a session or a recovery code."""
        found = set()
        for key in self._secrets:
            for prefix in (SESSIONS_PREFIX, RECOVERY_PREFIX):
                if key.startswith(prefix):
                    found.add(key.removeprefix(prefix))
        return found

    async def forget(self, player_id: str) -> None:
        """Drop a player's sessions and recovery code (the player is no longer registered)."""
        for key in (SESSIONS_PREFIX + player_id, RECOVERY_PREFIX + player_id):
            if key not in self._secrets:
                continue
            if self._delete is not None:
                await self._delete(key)
            else:
                await self._save(key, "[]" if key.startswith(SESSIONS_PREFIX) else "")
            self._secrets.pop(key, None)
