"""Smoke check of the one-file executable, run by build-onefile.sh in its build venv.

``python onefile_check.py dist/vtt-host [--measure]``: from a fresh temp folder (so the
executable finds nothing of the checkout), checks ``--version``, a headless start with a
temp data dir, the browser client and /healthz over HTTP, a map picture's preview (Pillow
inside the executable), a player joining over WebSocket (this venv's vtt_host.client),
the files it must carry (GM app styles, textual's data, zeroconf's and Pillow's modules)
and a clean exit on SIGTERM. ``--measure`` also times ``--version`` and the start up to
the ready line, 5 runs each, and prints the executable's size.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import io
import json
import os
import selectors
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from PIL import Image
from PyInstaller.archive.readers import pkg_archive_contents

import vtt_host
from storage.assets import AssetStore
from vtt_host.client import Client
from vtt_host.demo import DEMO_NAME
from vtt_host.previews import PREVIEW_SIDE_PX

RUNS = 5
READY_TIMEOUT_S = 60
WEB = Path(vtt_host.__file__).parent / "web"
MUST_CARRY = (
    "tui/app.tcss",
    "vtt_host/web/index.html",
    "vtt_host/web/app.js",
    "textual/tree-sitter/highlights/python.scm",
    "zeroconf._utils.ipaddress",
    "zeroconf._services.browser",
    "PIL.PngImagePlugin",
    "PIL.WebPImagePlugin",
    "PIL.JpegImagePlugin",
)


def check(condition: bool, what: str) -> None:
    if not condition:
        raise SystemExit(f"FAILED: {what}")
    print(f"ok: {what}")


def start(
    program: Path, data_dir: Path, workdir: Path
) -> tuple[subprocess.Popen[str], dict[str, Any], float]:
    """The host serving headless; its ready line and the seconds it took to print it."""
    began = time.perf_counter()
    process = subprocess.Popen(
        [str(program), "--data-dir", str(data_dir), "serve", "--headless",
         "--host", "127.0.0.1", "--port", "0", "--demo", "--no-announce"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=workdir,
    )  # fmt: skip
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(READY_TIMEOUT_S):
            process.kill()
            raise SystemExit("FAILED: the host printed no ready line")
    line = process.stdout.readline()
    took = time.perf_counter() - began
    if not line:
        raise SystemExit(
            f"FAILED: the host exited: {process.stderr.read() if process.stderr else ''}"
        )
    return process, json.loads(line), took


def stop(process: subprocess.Popen[str]) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    return process.wait(timeout=30)


def fetch(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.status, answer.headers.get("Content-Type", ""), answer.read()


def map_picture(data_dir: Path) -> str:
    """A map picture larger than a preview, in the data dir's asset store."""
    picture = Image.new("RGB", (2000, 1200), (40, 90, 60))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return AssetStore(data_dir).put(out.getvalue(), "png")


async def join(ready: dict[str, Any]) -> Client:
    player = await Client.connect(ready["url"], name="Alice", code=ready["joinCode"])
    await player.close()
    return player


def carries(carried: set[str], name: str) -> bool:
    """A file, a pure-Python module (in the PYZ) or a compiled one (a .so/.pyd file)."""
    compiled = name.replace(".", "/") + "."
    return name in carried or any(entry.startswith(compiled) for entry in carried)


def smoke(program: Path, workdir: Path) -> None:
    carried = set(pkg_archive_contents(str(program)))
    for name in MUST_CARRY:
        check(carries(carried, name), f"the executable carries {name}")

    done = subprocess.run([str(program), "--version"], capture_output=True, text=True, cwd=workdir)
    expected = f"vtt-host {importlib.metadata.version('vtt-host')}"
    check(done.returncode == 0 and done.stdout.strip() == expected, f"--version says {expected!r}")

    data_dir = workdir / "data"
    sha = map_picture(data_dir)
    process, ready, took = start(program, data_dir, workdir)
    try:
        print(f"ready after {took:.2f} s at {ready['http']}")
        status, _, page = fetch(ready["http"])
        check(
            status == 200 and page == (WEB / "index.html").read_bytes(), "/ is the browser client"
        )
        status, kind, module = fetch(ready["http"] + "app.js")
        check(status == 200 and module == (WEB / "app.js").read_bytes(), f"/app.js ({kind})")
        status, _, health = fetch(ready["http"] + "healthz")
        check(status == 200 and json.loads(health)["ok"] is True, "/healthz is ok")
        status, kind, preview = fetch(f"{ready['http']}assets/{sha}/preview")
        with Image.open(io.BytesIO(preview)) as shrunk:
            size = shrunk.size
        check(status == 200 and kind == "image/webp" and max(size) == PREVIEW_SIDE_PX,
              f"a map picture's preview is a {size[0]}x{size[1]} WebP")  # fmt: skip
        player = asyncio.run(join(ready))
        check(player.role == "player" and player.view["campaign"]["name"] == DEMO_NAME,
              f"a player joined {DEMO_NAME!r}")  # fmt: skip
    finally:
        code = stop(process)
    check(code == 0, "SIGTERM stops the host with exit code 0")


def measure(program: Path, workdir: Path) -> None:
    size = program.stat().st_size
    print(f"size: {size / 1e6:.1f} MB ({size} bytes)")
    version_times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        subprocess.run([str(program), "--version"], check=True, capture_output=True, cwd=workdir)
        version_times.append(time.perf_counter() - began)
    ready_times = []
    for run in range(RUNS):
        process, _, took = start(program, workdir / f"measure-{run}", workdir)
        ready_times.append(took)
        stop(process)
    for what, times in (("--version", version_times), ("start to ready line", ready_times)):
        print(
            f"{what}: median {statistics.median(times):.2f} s, "
            f"min {min(times):.2f} s, max {max(times):.2f} s ({RUNS} runs)"
        )


def main() -> int:
    program = Path(sys.argv[1]).resolve()
    with tempfile.TemporaryDirectory(prefix="vtt-host-onefile-") as folder:
        workdir = Path(folder)
        os.chdir(workdir)
        smoke(program, workdir)
        if "--measure" in sys.argv[2:]:
            measure(program, workdir)
    print("the one-file executable works")
    return 0


if __name__ == "__main__":
    sys.exit(main())
