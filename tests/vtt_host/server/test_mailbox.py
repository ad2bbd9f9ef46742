"""Mailboxes and the frame cache, without a socket."""

from __future__ import annotations

from vtt_host.manager import Decision, Published
from vtt_host.server.mailbox import FrameCache, Mailbox
from vtt_host.views import GM


def test_mailbox_serves_every_version_after_since() -> None:
    mailbox = Mailbox(GM, 10)
    for version in range(11, 15):
        mailbox.append(version, (f"v{version}",))
    assert mailbox.frames_after(10) == ["v11", "v12", "v13", "v14"]
    assert mailbox.frames_after(12) == ["v13", "v14"]
    assert mailbox.frames_after(14) == []
    assert mailbox.frames_after(9) is None
    assert mailbox.frames_after(15) is None


def test_mailbox_forgets_the_oldest_past_its_bounds() -> None:
    mailbox = Mailbox(GM, 0, max_versions=3, max_bytes=10_000)
    for version in range(1, 6):
        mailbox.append(version, ("x",))
    assert mailbox.floor == 2
    assert mailbox.frames_after(1) is None
    assert mailbox.frames_after(2) == ["x", "x", "x"]
    by_bytes = Mailbox(GM, 0, max_versions=100, max_bytes=25)
    for version in range(1, 6):
        by_bytes.append(version, ("0123456789",))
    assert by_bytes.size_bytes <= 25
    assert by_bytes.frames_after(3) == ["0123456789", "0123456789"]


def test_a_hole_in_the_versions_restarts_the_mailbox() -> None:
    mailbox = Mailbox(GM, 0)
    mailbox.append(1, ("a",))
    mailbox.append(5, ("b",))
    assert mailbox.frames_after(0) is None
    assert mailbox.frames_after(4) == ["b"]


def test_identical_op_objects_are_encoded_once() -> None:
    cache = FrameCache()
    shared = {"op": "replace", "path": "/x", "value": 1}
    first = cache.frames_for(Published(3, [shared], "gm", "moved"))
    second = cache.frames_for(Published(3, [shared], "gm", "moved"))
    assert first == second
    assert (cache.encoded, cache.reused) == (1, 1)
    cache.frames_for(Published(3, [shared], None, None))
    assert cache.encoded == 2


def test_the_proposer_gets_decided_after_the_patch() -> None:
    cache = FrameCache()
    decision = Decision("act_1", "p_1", False, "no")
    texts = cache.frames_for(Published(4, [], None, None, decision))
    assert len(texts) == 2
    assert '"type":"decided"' in texts[1]
