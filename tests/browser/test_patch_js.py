"""The page's JSON Patch applier (patch.js) against RFC 6902's examples and edge cases."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Server

pytestmark = pytest.mark.slow

OK_CASES: list[tuple[Any, list[dict[str, Any]], Any]] = [
    ({"foo": "bar"}, [{"op": "add", "path": "/baz", "value": "qux"}], {"foo": "bar", "baz": "qux"}),
    (
        {"foo": ["bar", "baz"]},
        [{"op": "add", "path": "/foo/1", "value": "qux"}],
        {"foo": ["bar", "qux", "baz"]},
    ),
    ({"baz": "qux", "foo": "bar"}, [{"op": "remove", "path": "/baz"}], {"foo": "bar"}),
    ({"foo": ["bar", "qux", "baz"]}, [{"op": "remove", "path": "/foo/1"}], {"foo": ["bar", "baz"]}),
    (
        {"baz": "qux", "foo": "bar"},
        [{"op": "replace", "path": "/baz", "value": "boo"}],
        {"baz": "boo", "foo": "bar"},
    ),
    (
        {"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}},
        [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}],
        {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}},
    ),
    (
        {"foo": ["all", "grass", "cows", "eat"]},
        [{"op": "move", "from": "/foo/1", "path": "/foo/3"}],
        {"foo": ["all", "cows", "eat", "grass"]},
    ),
    (
        {"baz": "qux", "foo": ["a", 2, "c"]},
        [
            {"op": "test", "path": "/baz", "value": "qux"},
            {"op": "test", "path": "/foo/1", "value": 2},
        ],
        {"baz": "qux", "foo": ["a", 2, "c"]},
    ),
    (
        {"foo": "bar"},
        [{"op": "add", "path": "/child", "value": {"grandchild": {}}}],
        {"foo": "bar", "child": {"grandchild": {}}},
    ),
    (
        {"foo": ["bar"]},
        [{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}],
        {"foo": ["bar", ["abc", "def"]]},
    ),
    ({"/": 9, "~1": 10}, [{"op": "test", "path": "/~01", "value": 10}], {"/": 9, "~1": 10}),
    ({"/": 9, "~1": 10}, [{"op": "replace", "path": "/~1", "value": 1}], {"/": 1, "~1": 10}),
    ({"a": {"b": 1}}, [{"op": "copy", "from": "/a", "path": "/c"}], {"a": {"b": 1}, "c": {"b": 1}}),
    ({"foo": None}, [{"op": "test", "path": "/foo", "value": None}], {"foo": None}),
    ({"a": 1}, [{"op": "replace", "path": "", "value": [1]}], [1]),
    ({"": 1}, [{"op": "replace", "path": "/", "value": 2}], {"": 2}),
    (
        {"a": {"x": [1, {"y": 2}]}},
        [{"op": "test", "path": "/a", "value": {"x": [1, {"y": 2}]}}],
        {"a": {"x": [1, {"y": 2}]}},
    ),
]
FAILING: list[tuple[Any, list[dict[str, Any]]]] = [
    ({"foo": "bar"}, [{"op": "add", "path": "/baz/bat", "value": "qux"}]),
    ({"baz": "qux"}, [{"op": "test", "path": "/baz", "value": "bar"}]),
    ({"foo": [1]}, [{"op": "add", "path": "/foo/5", "value": 2}]),
    ({"foo": [1]}, [{"op": "replace", "path": "/foo/-", "value": 2}]),
    ({"foo": [1]}, [{"op": "remove", "path": "/foo/01"}]),
    ({"foo": 1}, [{"op": "remove", "path": "/bar"}]),
    ({"foo": 1}, [{"op": "replace", "path": "/bar", "value": 2}]),
    ({"a": {"b": 1}}, [{"op": "move", "from": "/a", "path": "/a/b/c"}]),
    ({"a": 1}, [{"op": "frobnicate", "path": "/a"}]),
    ({"a": [1]}, [{"op": "test", "path": "/a", "value": [1, 2]}]),
]

RUN = """async ([ok, failing]) => {
  const { applyPatch } = await import('/patch.js');
  const results = ok.map(([doc, ops]) => applyPatch(doc, ops));
  const errors = failing.map(([doc, ops]) => {
    try { applyPatch(doc, ops); return null; } catch (e) { return e.name + ':' + e.message; }
  });
  return [results, errors];
}"""


async def test_patch_applier(browser: Any, server: Server) -> None:
    page = await browser.new_page()
    await page.goto(server.http)
    ok = [[doc, ops] for doc, ops, _ in OK_CASES]
    failing = [[doc, ops] for doc, ops in FAILING]
    results, errors = await page.evaluate(RUN, [ok, failing])
    for (doc, ops, expected), got in zip(OK_CASES, results, strict=True):
        assert got == expected, (doc, ops)
    for (doc, ops), error in zip(FAILING, errors, strict=True):
        assert error is not None, (doc, ops)
