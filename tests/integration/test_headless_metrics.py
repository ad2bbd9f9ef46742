"""The metrics token of ``vtt-host serve --headless``: shown in the ready line, or chosen."""

from __future__ import annotations

import http.client
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from tests.integration.conftest import Served, start_host

CHOSEN = "scrape-token-for-prometheus-0123"


def get_metrics(served: Served, **headers: str) -> int:
    """Status of GET /metrics as a machine elsewhere would send it (another Host name)."""
    where = urlsplit(served.ready["metrics"])
    connection = http.client.HTTPConnection(where.hostname or "", where.port, timeout=10)
    try:
        connection.request("GET", where.path, headers={"Host": "table.example", **headers})
        answer = connection.getresponse()
        answer.read()
        return answer.status
    finally:
        connection.close()


def test_the_ready_line_shows_a_new_metrics_token_that_opens_metrics(tmp_path: Path) -> None:
    served = start_host(tmp_path / "data", "--demo")
    try:
        token = served.ready["metricsToken"]
        assert len(token) >= 32
        assert served.ready["metrics"].endswith("/metrics")
        assert get_metrics(served) == 401
        assert get_metrics(served, Authorization=f"Bearer {token}") == 200
    finally:
        assert served.stop() == 0


def test_a_chosen_metrics_token_is_used(tmp_path: Path) -> None:
    served = start_host(tmp_path / "data", "--demo", "--metrics-token", CHOSEN)
    try:
        assert served.ready["metricsToken"] == CHOSEN
        assert get_metrics(served, Authorization=f"Bearer {CHOSEN}") == 200
    finally:
        assert served.stop() == 0


def test_a_weak_metrics_token_is_refused_with_one_line(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "vtt_host.cli", "serve", "--headless", "--no-announce"]
    command += ["--data-dir", str(tmp_path / "data"), "--port", "0", "--metrics-token", "abc"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "metrics token is 16 to 256" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "data").exists()
