"""The frame codec, without a socket."""

from __future__ import annotations

import json

import pytest
from hypothesis import given

from tests.jsonvalues import TEXTS, VALUES, lenient, plain, plain_text
from vtt_host.server import frames
from vtt_host.server.frames import (
    ActionFrame,
    BadFrame,
    DecideFrame,
    KickFrame,
    LargeFrame,
    NotPlainFrame,
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


# -- plain JSON only (docs/protocol.md "Limits") ------------------------------------------


def nested_action(levels: int) -> str:
    """An action frame nesting ``levels`` deep in all (the frame object is level 1)."""
    value = "[" * (levels - 4) + "]" * (levels - 4)
    return (
        '{"type":"action","id":"a1","action":{"kind":"patch","ops":'
        f'[{{"op":"add","path":"/x","value":{value}}}]}}}}'
    )


@pytest.mark.parametrize(
    "text",
    [
        '{"type":"action","id":"a1","action":{"kind":"chat","text":"x","n":1e400}}',
        '{"type":"action","id":"a1","action":{"kind":"chat","text":"\\ud800"}}',
        '{"type":"action","id":"a1","action":{"kind":"chat","text":"x","kind":"roll"}}',
        '{"type":"action","id":"a1","action":{"kind":"chat","text":-Infinity}}',
        nested_action(65),
    ],
    ids=["1e400", "lone-surrogate", "duplicate-key", "minus-infinity", "65-levels"],
)
def test_an_action_that_is_not_plain_json_is_refused_with_its_ack(text: str) -> None:
    with pytest.raises(NotPlainFrame) as refused:
        parse_frame(text)
    assert refused.value.code == "invalid"
    assert refused.value.frame_id == "a1"
    assert refused.value.answered_with_ack


def test_a_frame_of_64_levels_is_read() -> None:
    assert isinstance(parse_frame(nested_action(64)), ActionFrame)


@pytest.mark.parametrize(
    ("text", "frame_id", "ack"),
    [
        ('{"type":"ping","id":"p1","x":NaN}', "p1", False),
        ('{"type":"action","id":"\\udc00","action":NaN}', None, False),
        ('{"type":"action","id":"' + "i" * 129 + '","action":NaN}', None, False),
        ('{"type":"decide","actionId":"act_1","x":1e999}', None, True),
        ("[" * 20_000, None, False),
    ],
    ids=["ping", "id-not-plain", "id-too-long", "decide-without-id", "too-deep-to-read"],
)
def test_a_refused_frame_is_answered_without_echoing_what_cannot_be_sent(
    text: str, frame_id: str | None, ack: bool
) -> None:
    with pytest.raises(NotPlainFrame) as refused:
        parse_frame(text)
    assert refused.value.frame_id == frame_id
    assert refused.value.answered_with_ack is ack


def test_text_that_is_not_json_stays_a_bad_message() -> None:
    with pytest.raises(BadFrame) as bad:
        parse_frame('{"type":"action",')
    assert not isinstance(bad.value, NotPlainFrame)
    assert bad.value.code == "bad_message"


@pytest.mark.parametrize(
    "text",
    [
        hello(gmToken="t")[:-1] + ',"since":1e400}',
        '{"type":"hello","protocol":1,"name":"\\ud800","code":"A"}',
        '{"type":"hello","protocol":1,"gmToken":"t","gmToken":"u"}',
        '{"type":"hello","protocol":1,"campaign":' + "[" * 70 + "]" * 70 + "}",
    ],
    ids=["1e400", "lone-surrogate-name", "duplicate-credential", "deep"],
)
def test_a_hello_that_is_not_plain_json_is_a_bad_first_frame(text: str) -> None:
    with pytest.raises(BadFrame) as refused:
        parse_hello(text)
    assert not isinstance(refused.value, UnsupportedProtocol)


def refusal_of(text: str) -> BadFrame | None:
    try:
        parse_frame(text)
    except BadFrame as refused:
        return refused
    return None


@given(TEXTS)
def test_any_text_is_a_client_frame_or_refused_with_an_answer_that_can_be_sent(text: str) -> None:
    refused = refusal_of(text)
    if refused is not None:
        assert refused.code in ("bad_message", "invalid")
        answer = frames.error(refused.code, refused.message, refused.frame_id)
        assert plain_text(lenient(answer), 2)


@given(VALUES)
def test_an_action_carrying_any_value_is_read_exactly_when_it_is_plain(value: object) -> None:
    action = {"kind": "patch", "ops": [{"op": "add", "path": "/x", "value": value}]}
    text = json.dumps({"type": "action", "id": "a1", "action": action})
    if plain(value, frames.MAX_FRAME_DEPTH - 4):
        frame = parse_frame(text)
        assert isinstance(frame, ActionFrame)
        assert frame.action == json.loads(text)["action"]
    else:
        with pytest.raises(NotPlainFrame):
            parse_frame(text)
