"""What ``--tunnel`` accepts: three kinds, and an ssh target that cannot become an option."""

from __future__ import annotations

import pytest

from vtt_host.tunnels import SshTarget, TunnelError, TunnelSpec


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("cloudflared", TunnelSpec("cloudflared")),
        ("ngrok", TunnelSpec("ngrok")),
        ("ssh:example.org", TunnelSpec("ssh", "example.org")),
        ("ssh:gm@example.org:2222", TunnelSpec("ssh", "gm@example.org:2222")),
        ("ssh:gm@[2001:db8::7]:2222", TunnelSpec("ssh", "gm@[2001:db8::7]:2222")),
        ("ssh:my_vps", TunnelSpec("ssh", "my_vps")),
    ],
)
def test_specs_parse_and_round_trip(text: str, spec: TunnelSpec) -> None:
    assert TunnelSpec.parse(text) == spec
    assert str(spec) == text
    assert TunnelSpec.parse(str(spec)) == spec


@pytest.mark.parametrize(
    ("target", "parts", "url_host"),
    [
        ("example.org", SshTarget(None, "example.org", None), "example.org"),
        ("gm@example.org:2222", SshTarget("gm", "example.org", 2222), "example.org"),
        ("[2001:db8::7]", SshTarget(None, "2001:db8::7", None), "[2001:db8::7]"),
        ("gm@[::1]:22", SshTarget("gm", "::1", 22), "[::1]"),
    ],
)
def test_ssh_targets_split_into_their_parts(target: str, parts: SshTarget, url_host: str) -> None:
    spec = TunnelSpec("ssh", target)
    assert spec.ssh_target == parts
    assert parts.url_host == url_host


@pytest.mark.parametrize(
    "text",
    [
        "",
        "localtunnel",
        "Cloudflared",
        "ssh",
        "ssh:",
        "ssh:-oProxyCommand=touch /tmp/x",
        "ssh:gm@-oProxyCommand=x",
        "ssh:-l@example.org",
        "ssh:gm@example.org:0",
        "ssh:gm@example.org:65536",
        "ssh:gm@example.org:22x",
        "ssh:gm@exa mple.org",
        "ssh:gm@[2001:db8::7",
        "ssh:gm@[not-v6]:22",
        "ngrok:extra",
    ],
)
def test_anything_else_is_refused_with_the_usage(text: str) -> None:
    with pytest.raises(TunnelError) as raised:
        TunnelSpec.parse(text)
    assert "ssh:[user@]host[:port]" in str(raised.value)


def test_an_ssh_spec_needs_a_target_and_others_take_none() -> None:
    with pytest.raises(TunnelError):
        TunnelSpec("ssh")
    with pytest.raises(TunnelError):
        TunnelSpec("cloudflared", "example.org")
