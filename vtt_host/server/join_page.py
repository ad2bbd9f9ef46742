"""The ``/join`` page: each served campaign's name, join code, link and QR code, big.

Meant for a screen at the table (a TV, the GM's laptop turned round) that players point
their phones at. It is shown only on this machine (``http.HttpRoutes``); the page holds
no script and no inline style (the page CSP forbids both): ``join.css`` lays it out, the
QR code's colours are SVG attributes. It reloads itself every half minute, so a rotated
code or a tunnel's new URL shows without anyone touching the screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from vtt_host.qr import qr_svg

REFRESH_S = 30


@dataclass(frozen=True, slots=True)
class JoinEntry:
    """What a player needs to join one campaign."""

    campaign_id: str
    name: str
    link: str
    code: str


def _link(link: str) -> str:
    shown = escape(link)
    if link.startswith(("http://", "https://")):
        return f'<a href="{escape(link, quote=True)}">{shown}</a>'
    return shown


def _section(index: int, entry: JoinEntry) -> str:
    heading = f"campaign-{index}"
    label = f"QR code of the join link of {entry.name}"
    return (
        f'<section class="campaign" aria-labelledby="{heading}">'
        f'<h1 id="{heading}">{escape(entry.name)}</h1>'
        f'<div class="qr">{qr_svg(entry.link, label)}</div>'
        '<p class="scan">Point your phone\'s camera at the code, or open the link.</p>'
        f'<p class="code">Join code <strong>{escape(entry.code)}</strong></p>'
        f'<p class="link">{_link(entry.link)}</p>'
        "</section>"
    )


def join_page(entries: Sequence[JoinEntry]) -> bytes:
    """The page's HTML: one section per campaign, or a line saying none is served."""
    body = (
        "".join(_section(index, entry) for index, entry in enumerate(entries, 1))
        if entries
        else '<p class="none">No campaign is being served.</p>'
    )
    several = " several" if len(entries) > 1 else ""
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="refresh" content="{REFRESH_S}">'
        '<meta name="color-scheme" content="dark">'
        "<title>Join the game · vtt-host</title>"
        '<link rel="icon" href="data:,"><link rel="stylesheet" href="/join.css">'
        f'</head><body><main class="join{several}">{body}</main></body></html>\n'
    ).encode()
