"""Reading the public URL from the tools' own lines (quoted from their sources and from
reports of their output), and never from anything else they print."""

# cloudflared's box is wider than a line here; it is quoted whole.
# ruff: noqa: E501

from __future__ import annotations

import asyncio

import pytest

from vtt_host.tunnels.providers import Cloudflared, Ngrok, Ssh
from vtt_host.tunnels.spec import TunnelSpec
from vtt_host.tunnels.supervisor import MAX_LINE_CHARS, output_lines

CLOUDFLARED_OUTPUT = """\
2021-09-03T10:44:38Z INF Requesting new quick Tunnel on trycloudflare.com...
2021-09-03T10:44:41Z INF +--------------------------------------------------------------------------------------------+
2021-09-03T10:44:41Z INF |  Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):  |
2021-09-03T10:44:41Z INF |  https://symantec-transferred-lock-revenues.trycloudflare.com                              |
2021-09-03T10:44:41Z INF +--------------------------------------------------------------------------------------------+
2021-09-03T10:44:41Z INF Registered tunnel connection connIndex=0 location=ams08 protocol=quic
"""


def read_all(reader: object, text: str) -> list[str]:
    found = [reader.feed(line) for line in text.splitlines()]  # type: ignore[attr-defined]
    return [url for url in found if url is not None]


def test_cloudflared_s_box_gives_the_quick_tunnel_url() -> None:
    urls = read_all(Cloudflared().reader(8765), CLOUDFLARED_OUTPUT)
    assert urls == ["https://symantec-transferred-lock-revenues.trycloudflare.com/"]


def test_cloudflared_s_api_address_in_an_error_is_no_tunnel() -> None:
    failure = (
        "failed to request quick Tunnel: Post "
        '"https://api.trycloudflare.com/tunnel": dial tcp: lookup api.trycloudflare.com'
    )
    assert read_all(Cloudflared().reader(8765), failure) == []
    assert read_all(Cloudflared().reader(8765), "|  https://x.trycloudflare.com  |") == []


def test_ngrok_s_started_tunnel_line_gives_the_url_in_json_and_logfmt() -> None:
    json_line = (
        '{"addr":"http://127.0.0.1:8765","lvl":"info","msg":"started tunnel",'
        '"name":"command_line","obj":"tunnels","t":"2024-03-01T10:00:01Z",'
        '"url":"https://ab12-203-0-113-7.ngrok-free.app"}'
    )
    logfmt_line = (
        't=2024-03-01T10:00:01+0000 lvl=info msg="started tunnel" obj=tunnels '
        "name=command_line addr=http://127.0.0.1:8765 url=https://ab12.ngrok-free.app"
    )
    assert read_all(Ngrok().reader(8765), json_line) == ["https://ab12-203-0-113-7.ngrok-free.app/"]
    assert read_all(Ngrok().reader(8765), logfmt_line) == ["https://ab12.ngrok-free.app/"]
    other = '{"lvl":"eror","msg":"session closing","url":"https://ngrok.com/docs"}'
    assert read_all(Ngrok().reader(8765), other) == []
    assert read_all(Ngrok().reader(8765), '{"msg":"started tunnel","url":"http://x y"}') == []


def test_ngrok_without_an_authtoken_is_explained() -> None:
    line = (
        '{"err":"authentication failed: Usage of ngrok requires a verified account and '
        'authtoken.\\r\\n\\r\\nERR_NGROK_4018\\r\\n","lvl":"crit","msg":"command failed"}'
    )
    message = Ngrok().explain([line])
    assert message is not None
    assert "ngrok config add-authtoken" in message
    assert Ngrok().explain(["something else"]) is None


def test_ssh_s_allocated_port_gives_the_server_s_url_for_our_forward_only() -> None:
    ssh = Ssh(TunnelSpec.parse("ssh:gm@table.example.org:2222").ssh_target)
    reader = ssh.reader(8765)
    assert reader.feed("Allocated port 41234 for remote forward to 127.0.0.1:9999") is None
    url = reader.feed("Allocated port 41234 for remote forward to 127.0.0.1:8765")
    assert url == "http://table.example.org:41234/"
    command = ssh.command("/usr/bin/ssh", 8765)
    assert command[:3] == ["/usr/bin/ssh", "-N", "-T"]
    assert command[-4:] == ["*:0:127.0.0.1:8765", "-p", "2222", "gm@table.example.org"]
    assert "ExitOnForwardFailure=yes" in command
    assert "BatchMode=yes" in command


def test_an_ipv6_ssh_server_is_bracketed_in_the_url() -> None:
    reader = Ssh(TunnelSpec.parse("ssh:[2001:db8::7]").ssh_target).reader(8765)
    url = reader.feed("Allocated port 41234 for remote forward to 127.0.0.1:8765")
    assert url == "http://[2001:db8::7]:41234/"


@pytest.mark.parametrize("chunks", [[b"a\nb", b"c\r\n", b"d"], [b"a\n", b"bc\n", b"d\n"]])
async def test_output_is_read_as_lines_across_chunks(chunks: list[bytes]) -> None:
    stream = asyncio.StreamReader()
    for chunk in chunks:
        stream.feed_data(chunk)
    stream.feed_eof()
    assert [line async for line in output_lines(stream)] == ["a", "bc", "d"]


async def test_a_line_without_end_is_cut_instead_of_stalling() -> None:
    stream = asyncio.StreamReader()
    stream.feed_data(b"x" * (MAX_LINE_CHARS * 3) + b"\nok\n")
    stream.feed_eof()
    lines = [line async for line in output_lines(stream)]
    assert lines[-1] == "ok"
    assert all(len(line) <= MAX_LINE_CHARS for line in lines)
