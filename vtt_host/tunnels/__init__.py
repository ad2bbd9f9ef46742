"""Tunnels: make the host reachable from anywhere with a tool the GM already has.

``Tunnel.start(TunnelSpec.parse("cloudflared"), local_port=await host.open_relay_port())``
runs cloudflared, ngrok or ``ssh -R``, reads the public URL from its output, restarts
it when it dies and stops it on ``close``. Point it at the host's relay port, never the
main one: what arrives there is never taken for this machine's own (``server.access``).
"""

from vtt_host.tunnels.spec import SshTarget, TunnelError, TunnelSpec
from vtt_host.tunnels.supervisor import Tunnel

__all__ = ["SshTarget", "Tunnel", "TunnelError", "TunnelSpec"]
