"""The frame codec, without a socket."""

from __future__ import annotations

import json

import pytest

from vtt_host.server import frames
from vtt_host.server.frames import (
    ActionFrame,
    BadFrame,
    DecideFrame,
    KickFrame,
    LargeFrame,
    UnsupportedProtocol,
    parse_frame,
    parse_hello,
)


def hello(**fields: object) -> str:
    return json.dumps({"type": "hello", "protocol": 1, **fields})


def test_each_credential_alone_is_a_valid_hello() -> None:
    assert parse_hello(hello(name="Alice", code="ABCD")).code == "ABCD"
    assert parse_hello(hello(gmToken="t")).gm_token == "t"
    resumed = parse_hello(hello(resume="s", since=41, campaign="c_1"))
    assert (resumed.resume, resumed.since, resumed.campaign) == ("s", 41, "c_1")


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"name": "Alice"},
        {"name": "Alice", "code": "A", "gmToken": "t"},
        {"gmToken": "t", "resume": "s"},
        {"code": "A"},  # a code needs a name
        {"gmToken": "t", "since": 3},  # since goes with resume
        {"gmToken": "t", "role": "gm"},  # unknown field
        {"gm_token": "t"},  # snake_case is not the wire name
        {"resume": "s", "since": -1},
        {"resume": "s", "since": "4"},
        {"gmToken": "t", "recovery": "R"},  # a recovery code goes with code and name
        {"name": "A" * 257, "code": "A"},  # names are judged at admission, up to here
    ],
)
def test_bad_hellos_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(BadFrame) as refused:
        parse_hello(hello(**fields))
    assert not isinstance(refused.value, UnsupportedProtocol)


@pytest.mark.parametrize("text", ["", "null", "[]", "{", '"hello"', "NaN", '{"protocol": 1}'])
def test_non_hello_first_frames_are_refused(text: str) -> None:
    with pytest.raises(BadFrame):
        parse_hello(text)


def test_other_protocol_versions_are_unsupported_even_with_new_fields() -> None:
    with pytest.raises(UnsupportedProtocol):
        parse_hello(hello(protocol=2, gmToken="t", futureField=True))


def test_boolean_is_not_a_protocol_number() -> None:
    with pytest.raises(BadFrame):
        parse_hello(json.dumps({"type": "hello", "protocol": True, "gmToken": "t"}))


def test_client_frames_parse_into_their_models() -> None:
    action = parse_frame('{"type":"action","id":"1","action":{"kind":"chat","text":"hi"}}')
    assert isinstance(action, ActionFrame)
    decide = parse_frame(
        json.dumps({"type": "decide", "actionId": "act_1", "approve": True, "expectedVersion": 3})
    )
    assert isinstance(decide, DecideFrame)
    assert isinstance(parse_frame('{"type":"kick","playerId":"p_1"}'), KickFrame)


def test_a_bad_frame_keeps_its_id_for_the_error() -> None:
    with pytest.raises(BadFrame) as bad:
        parse_frame('{"type":"action","id":"a7","action":{},"x":1}')
    assert bad.value.frame_id == "a7"


def test_decide_changes_must_be_patch_ops() -> None:
    with pytest.raises(BadFrame):
        parse_frame(
            json.dumps(
                {
                    "type": "decide",
                    "actionId": "act_1",
                    "approve": True,
                    "expectedVersion": 3,
                    "changes": [{"op": "explode", "path": "/x"}],
                }
            )
        )


def test_welcome_embeds_the_serialized_view_without_joining_it() -> None:
    view = [b'{"version":4,', b'"name":"S\xc3\xa9ance"', b"}"]
    frame = frames.welcome(
        player_id="p_1",
        role="player",
        session="s",
        campaign="c",
        version=4,
        state=view,
        extra={"name": "Zo\u00eb"},
    )
    assert isinstance(frame, LargeFrame)
    text = b"".join(frame.pieces)
    assert frame.size == len(text)
    assert text.decode() == (
        '{"type":"welcome","playerId":"p_1","role":"player","session":"s","campaign":"c",'
        '"version":4,"name":"Zo\u00eb","state":{"version":4,"name":"S\u00e9ance"}}'
    )
    assert frame.pieces[1:-1] == view  # the view's pieces, unjoined


def test_welcome_of_a_resume_is_text_with_a_null_state() -> None:
    text = frames.welcome(
        player_id="p_1", role="player", session="s", campaign="c", version=4, state=None
    )
    assert isinstance(text, str)
    assert json.loads(text) == {
        "type": "welcome",
        "playerId": "p_1",
        "role": "player",
        "session": "s",
        "campaign": "c",
        "version": 4,
        "state": None,
    }


def test_redacted_patch_has_neither_by_nor_description() -> None:
    assert json.loads(frames.patch(5, [], None, None)) == {"type": "patch", "version": 5, "ops": []}
