"""Open a saved map in headless Chromium over the DevTools protocol (tests, benchmarks).

Needs the ``websockets`` package and a Chromium binary; nothing in gridgeo's
public API imports this module.
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["PageReport", "find_chromium", "open_page"]

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,860",
]

# Polygons Leaflet has projected and clipped into the view (drawn), per map.
_COUNT_JS = """(() => {
  let maps = Object.keys(window).filter(k => k.startsWith('map_') && window[k]
      && window[k]._layers).map(k => window[k]);
  let polys = 0, markers = 0, tiles = 0, text = document.body.innerText;
  for (const m of maps) {
    for (const l of Object.values(m._layers)) {
      if (l instanceof L.Polygon && l._parts && l._parts.length) polys++;
      if (l instanceof L.Marker) markers++;
      if (l instanceof L.GridLayer && !(l instanceof L.TileLayer)) tiles++;
    }
  }
  return JSON.stringify({maps: maps.length, polygons: polys, markers: markers,
                         dot_layers: tiles, text: text});
})()"""


@dataclass
class PageReport:
    """What a page did in the browser."""

    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    load_ms: float = float("nan")
    maps: int = 0
    polygons: int = 0
    markers: int = 0
    dot_layers: int = 0
    text: str = ""
    value: Any = None
    screenshot: Path | None = None


def find_chromium() -> str | None:
    """Path of a Chromium / Chrome binary, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


async def _session(
    ws_url: str,
    url: str,
    screenshot: Path | None,
    timeout: float,
    evaluate: str | None,
) -> PageReport:
    import websockets

    rep = PageReport()
    async with websockets.connect(ws_url, max_size=None) as ws:
        ids = iter(range(1, 1_000_000))
        pending: dict[int, asyncio.Future[Any]] = {}
        loaded = asyncio.get_running_loop().create_future()

        async def send(method: str, **params: Any) -> Any:
            i = next(ids)
            fut = asyncio.get_running_loop().create_future()
            pending[i] = fut
            await ws.send(json.dumps({"id": i, "method": method, "params": params}))
            return await asyncio.wait_for(fut, timeout)

        async def reader() -> None:
            async for raw in ws:
                msg = json.loads(raw)
                if "id" in msg and msg["id"] in pending:
                    pending.pop(msg["id"]).set_result(msg.get("result", msg))
                    continue
                method, p = msg.get("method"), msg.get("params", {})
                if method == "Runtime.exceptionThrown":
                    d = p["exceptionDetails"]
                    exc = d.get("exception", {}).get("description") or d.get("text")
                    rep.errors.append(str(exc))
                elif method == "Runtime.consoleAPICalled" and p["type"] == "error":
                    rep.errors.append(
                        " ".join(
                            str(a.get("value", a.get("description", "")))
                            for a in p["args"]
                        )
                    )
                elif method == "Log.entryAdded" and p["entry"]["level"] == "error":
                    rep.errors.append(p["entry"]["text"])
                elif method == "Page.javascriptDialogOpening":
                    rep.dialogs.append(p.get("message", ""))
                    await ws.send(
                        json.dumps(
                            {
                                "id": next(ids),
                                "method": "Page.handleJavaScriptDialog",
                                "params": {"accept": True},
                            }
                        )
                    )
                elif method == "Page.loadEventFired" and not loaded.done():
                    loaded.set_result(True)

        task = asyncio.create_task(reader())
        for domain in ("Runtime", "Log", "Page"):
            await send(f"{domain}.enable")
        await send("Page.navigate", url=url)
        await asyncio.wait_for(loaded, timeout)
        res = await send(
            "Runtime.evaluate",
            expression="new Promise(r => requestAnimationFrame(() => "
            "requestAnimationFrame(() => r(performance.now()))))",
            awaitPromise=True,
            returnByValue=True,
        )
        rep.load_ms = float(res["result"]["value"])
        if evaluate is not None:
            res = await send(
                "Runtime.evaluate", expression=evaluate, returnByValue=True
            )
            rep.value = res.get("result", {}).get("value")
        await asyncio.sleep(0.3)  # let tiles / dots draw before the screenshot
        res = await send("Runtime.evaluate", expression=_COUNT_JS, returnByValue=True)
        counts = json.loads(res["result"]["value"])
        for key, value in counts.items():
            setattr(rep, key, value)
        if screenshot is not None:
            shot = await send("Page.captureScreenshot", format="png")
            screenshot.write_bytes(base64.b64decode(shot["data"]))
            rep.screenshot = screenshot
        task.cancel()
    return rep


def open_page(
    path: str | Path,
    *,
    screenshot: str | Path | None = None,
    chromium: str | None = None,
    timeout: float = 60.0,
    evaluate: str | None = None,
) -> PageReport:
    """Load ``path`` in a fresh headless Chromium and report errors, timing, counts.

    ``load_ms`` is the time from navigation start until two animation frames after
    the load event (the page's scripts have run and the first frame is painted).
    ``evaluate`` is a JS expression run after loading (result in ``value``), before
    the counts and the screenshot are taken.
    """
    binary = chromium or find_chromium()
    if binary is None:
        msg = "No Chromium binary found (apt-get install chromium)."
        raise FileNotFoundError(msg)
    profile = tempfile.mkdtemp(prefix="gg-chromium-")
    try:
        proc = subprocess.Popen(
            [
                binary,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            deadline = time.monotonic() + timeout
            while not port_file.exists() or not port_file.read_text().strip():
                if time.monotonic() > deadline or proc.poll() is not None:
                    msg = "Chromium did not start its DevTools endpoint."
                    raise RuntimeError(msg)
                time.sleep(0.05)
            port = port_file.read_text().split()[0]
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as r:
                targets = json.load(r)
            page = next(t for t in targets if t["type"] == "page")
            url = Path(path).resolve().as_uri()
            shot = Path(screenshot) if screenshot is not None else None
            return asyncio.run(
                _session(page["webSocketDebuggerUrl"], url, shot, timeout, evaluate)
            )
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    finally:
        _remove_profile(profile)


def _remove_profile(profile: str) -> None:
    """Delete a Chromium profile directory.

    Chromium's helper processes may still write into the profile for a moment
    after the browser has exited, so a directory that is not empty yet is tried
    again before giving up quietly (it lives in the temporary directory).
    """
    for _ in range(10):
        try:
            shutil.rmtree(profile)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.2)
    shutil.rmtree(profile, ignore_errors=True)
