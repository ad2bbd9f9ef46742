"""Join codes, GM tokens and session tokens."""

from __future__ import annotations

import math

from vtt_host.server.credentials import (
    JOIN_CODE_ALPHABET,
    JOIN_CODE_GROUPS,
    SESSIONS_PER_PLAYER,
    Credentials,
    new_join_code,
)


class Secrets(dict[str, str]):
    async def save(self, key: str, value: str) -> None:
        self[key] = value


def test_join_codes_carry_at_least_forty_bits() -> None:
    bits = sum(JOIN_CODE_GROUPS) * math.log2(len(JOIN_CODE_ALPHABET))
    assert bits >= 40
    code = new_join_code()
    assert len(code) == 12
    assert set(code.replace("-", "")) <= set(JOIN_CODE_ALPHABET)
    assert not set("01IO") & set(JOIN_CODE_ALPHABET)


async def test_codes_are_matched_whatever_the_case_and_dashes() -> None:
    stored = Secrets()
    credentials = await Credentials.load({}, stored.save)
    code = credentials.join_code
    assert credentials.check_code(code.lower().replace("-", " "))
    assert not credentials.check_code("ZZZZ-ZZZZ-ZZ")
    assert not credentials.check_code("é")


async def test_secrets_are_saved_and_sessions_stored_only_as_digests() -> None:
    stored = Secrets()
    credentials = await Credentials.load({}, stored.save)
    token = await credentials.issue_session("p_1")
    assert credentials.session_owner(token) == "p_1"
    assert token not in "".join(stored.values())
    reloaded = await Credentials.load(dict(stored), stored.save)
    assert reloaded.session_owner(token) == "p_1"
    assert reloaded.join_code == credentials.join_code
    assert reloaded.gm_token == credentials.gm_token


async def test_revoked_and_rotated_out_sessions_stop_working() -> None:
    stored = Secrets()
    credentials = await Credentials.load({}, stored.save)
    tokens = [await credentials.issue_session("p_1") for _ in range(SESSIONS_PER_PLAYER + 1)]
    assert credentials.session_owner(tokens[0]) is None
    assert credentials.session_owner(tokens[-1]) == "p_1"
    await credentials.revoke_sessions("p_1")
    assert credentials.session_owner(tokens[-1]) is None


async def test_rotating_the_code_refuses_the_old_one() -> None:
    credentials = await Credentials.load({}, Secrets().save)
    old = credentials.join_code
    new = await credentials.rotate_join_code()
    assert not credentials.check_code(old)
    assert credentials.check_code(new)
