"""The HTML report in a real headless Chromium, driven over the DevTools protocol.

The page must load with no console error and no network request, every chart must
have drawn on its canvas, it must fit a phone's width, and a screenshot must not be
blank. Chromium comes from the distribution (``.ci/run`` installs it); without it the
test skips, except in CI (``CI`` set), where it fails.
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websocket
from conftest import FIXED_DATE, Crm, use_demo_book
from mailtools import free_port, stop, wait_for_port
from PIL import Image

from crm_cli.report_html import chart_ids

TIMEOUT = 30.0  # seconds for any one step of the browser
# A blank page has a colour or two, text alone a few dozen shades of antialiasing; the
# demo report's charts and their antialiased edges have thousands.
BLANK_COLOURS = 300
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed (.ci/run installs it)")
    pytest.skip("chromium is not installed")


class Page:
    """One tab over the DevTools protocol: commands, and the events seen meanwhile."""

    def __init__(self, url: str) -> None:
        self.ws = websocket.create_connection(url, timeout=TIMEOUT, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            self.events.append(message)
        raise AssertionError(f"{method}: no answer in {TIMEOUT} s")

    def wait_for(self, event: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while not any(e.get("method") == event for e in self.events):
            if time.monotonic() > deadline:
                raise AssertionError(f"no {event} in {TIMEOUT} s")
            self.events.append(json.loads(self.ws.recv()))

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def close(self) -> None:
        self.ws.close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[int]:
    """A headless Chromium on a free port of 127.0.0.1, stopped by its PID."""
    binary = chromium()
    port = free_port()
    log = tmp_path / "chromium.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                binary,
                *FLAGS,
                f"--user-data-dir={tmp_path / 'profile'}",
                f"--remote-debugging-port={port}",
                "--remote-debugging-address=127.0.0.1",
                "about:blank",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(proc, port, log, "chromium")
        yield port
    finally:
        stop(proc)


def open_page(port: int) -> Page:
    deadline = time.monotonic() + TIMEOUT
    while True:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=TIMEOUT) as r:
            targets = [t for t in json.load(r) if t.get("type") == "page"]
        if targets:
            return Page(targets[0]["webSocketDebuggerUrl"])
        if time.monotonic() > deadline:
            raise AssertionError("chromium opened no page")
        time.sleep(0.1)


CHECK_CHARTS = """
JSON.stringify(Array.from(document.querySelectorAll("canvas")).map(function (c) {
  var painted = 0, d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  for (var i = 3; i < d.length; i += 4) { if (d[i]) { painted++; } }
  return {id: c.id, width: c.clientWidth, height: c.clientHeight, painted: painted,
          rendered: c.getAttribute("data-rendered"), label: c.getAttribute("aria-label")};
}))
"""


def load(port: int, page_file: Path, width: int, height: int, mobile: bool) -> Page:
    page = open_page(port)
    for domain in ("Runtime", "Log", "Page", "Network"):
        page.send(f"{domain}.enable")
    page.send(
        "Emulation.setDeviceMetricsOverride",
        width=width,
        height=height,
        deviceScaleFactor=1,
        mobile=mobile,
    )
    page.send("Page.navigate", url=page_file.as_uri())
    page.wait_for("Page.loadEventFired")
    return page


def problems(page: Page) -> list[Any]:
    """Console errors and warnings, uncaught exceptions, and requests that left the file."""
    found: list[Any] = []
    for event in page.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning"):
            found.append(params.get("args"))
        elif method == "Runtime.exceptionThrown":
            found.append(params.get("exceptionDetails"))
        elif method == "Log.entryAdded" and params["entry"].get("level") in ("error", "warning"):
            found.append(params["entry"])
        elif method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if not url.startswith(("file:", "data:", "about:")):
                found.append(url)
    return found


def distinct_colours(png: bytes) -> int:
    with Image.open(io.BytesIO(png)) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    return len(colours or ())


@pytest.fixture
def demo_page(crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Any]:
    use_demo_book(crm, tmp_path, monkeypatch)
    page = tmp_path / "demo-report.html"
    raw = crm.ok("report", "--date", FIXED_DATE, "--json", "--html", str(page)).stdout
    return page, json.loads(raw)


def test_the_demo_report_renders_every_chart_with_no_error(
    browser: int, demo_page: tuple[Path, Any], tmp_path: Path
) -> None:
    page_file, data = demo_page
    page = load(browser, page_file, 1000, 900, mobile=False)
    try:
        charts = json.loads(page.evaluate(CHECK_CHARTS))
        expected = chart_ids(data)
        assert len(expected) == 6  # the demo book has something in every section
        assert [c["id"] for c in charts] == expected
        for chart in charts:
            assert chart["rendered"] == "true", chart
            assert chart["width"] > 200 and chart["height"] > 150, chart
            assert chart["painted"] > 1000, chart  # pixels drawn, not an empty canvas
            assert len(chart["label"]) > 40, chart
        # The heatmap reads like the terminal's: inbound on top, then outbound, then channels.
        rows = page.evaluate(
            "(function (y) { return y.getLabels().map(function (l, i) {"
            " return [l, y.getPixelForValue(i)]; }); })"
            "(Chart.getChart('chart-activity').scales.y)"
        )
        assert [label for label, _ in sorted(rows, key=lambda r: r[1])] == data["activity"]["rows"]
        shot = page.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        png = base64.b64decode(shot["data"])
        (tmp_path / "demo-report.png").write_bytes(png)
        assert distinct_colours(png) > BLANK_COLOURS
        assert problems(page) == []
    finally:
        page.close()


def test_the_report_reads_on_a_phone(browser: int, demo_page: tuple[Path, Any]) -> None:
    page_file, _ = demo_page
    page = load(browser, page_file, 390, 844, mobile=True)
    try:
        # Nothing wider than the screen: the tables scroll inside their own box.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        charts = json.loads(page.evaluate(CHECK_CHARTS))
        assert charts and all(c["painted"] > 500 and 300 <= c["width"] <= 390 for c in charts)
        assert problems(page) == []
    finally:
        page.close()


def test_the_checks_see_errors_requests_and_blank_canvases(browser: int, tmp_path: Path) -> None:
    """The harness itself: a page that logs an error, fetches from the network and draws
    nothing must fail every check the report passes."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!doctype html><html><body><canvas id='c' width='300' height='150'></canvas>"
        "<script>fetch('http://127.0.0.1:9/x.json').catch(function () {});"
        "console.error('boom');"
        "undefinedFunction();</script></body></html>",
        encoding="utf-8",
    )
    page = load(browser, bad, 800, 600, mobile=False)
    try:
        charts = json.loads(page.evaluate(CHECK_CHARTS))
        assert [(c["painted"], c["rendered"]) for c in charts] == [(0, None)]
        shot = page.send("Page.captureScreenshot", format="png")
        assert distinct_colours(base64.b64decode(shot["data"])) < BLANK_COLOURS
        found = problems(page)
        assert any("http://127.0.0.1:9/x.json" in str(p) for p in found)
        assert any("boom" in str(p) for p in found)
        assert any("undefinedFunction" in str(p) for p in found)
    finally:
        page.close()
