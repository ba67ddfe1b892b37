"""The public status page in headless Chromium (Debian's, driven by Playwright), served by
uvicorn on 127.0.0.1: a maintenance scheduled through the Instatus API shows as upcoming, then
in progress with its components under maintenance once the clock passes its start, then leaves
the active list for the history. Screenshots of each state go to `tests-artifacts/`."""

import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
import time_machine
import uvicorn
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from tests.helpers import run_all_due
from tests.web.test_status_page import Site, down_yesterday
from vigil.maintenance.automation import HANDLERS
from vigil.orgs.service import NewOrganization

playwright_api = pytest.importorskip("playwright.sync_api")

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ARTIFACTS = Path(__file__).resolve().parents[2] / "tests-artifacts"
PHONE = {"width": 375, "height": 740}


def chromium_path() -> str | None:
    return os.environ.get("VIGIL_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="module")
def live_url(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn on a free port of 127.0.0.1, in a thread of this process."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, name="status-page-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        pytest.skip("no chromium (set VIGIL_CHROMIUM or install Debian's chromium)")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def travel() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@dataclass
class Visit:
    """A browser tab on the live server that notes every URL it requests."""

    page: Any
    requested: list[str]

    def open(self, url: str) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status == 200

    def text(self, selector: str) -> str:
        return " ".join(str(self.page.locator(selector).inner_text()).split())

    def legible(self, selector: str) -> bool:
        """Whether the element's text color differs from its background (a crude contrast
        check: text the color of its background passes every text assertion)."""
        colors = self.page.eval_on_selector(
            selector, "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"
        )
        return bool(colors[0] != colors[1])

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def visit(browser: Any) -> Iterator[Visit]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    yield Visit(page, requested)
    context.close()


@pytest.fixture
def instatus(live_url: str, org: NewOrganization) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {org.api_key}"}
    with httpx.Client(base_url=live_url, headers=headers, timeout=10) as client:
        yield client


def made(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def scheduled_page(instatus: httpx.Client) -> tuple[str, dict[str, Any]]:
    """A page (Europe/Paris) with three components, and a maintenance of the API and the
    database an hour from now for an hour; returns the subdomain and the maintenance."""
    subdomain = f"acme-{uuid.uuid4().hex[:10]}"
    page = made(
        instatus.post(
            "/v1/pages",
            json={"name": "Acme Cloud", "subdomain": subdomain, "timezone": "Europe/Paris"},
        )
    )
    api = made(instatus.post(f"/v1/{page['id']}/components", json={"name": "API"}))["id"]
    database = made(instatus.post(f"/v1/{page['id']}/components", json={"name": "Database"}))["id"]
    made(instatus.post(f"/v1/{page['id']}/components", json={"name": "Website"}))
    maintenance = made(
        instatus.post(
            f"/v1/{page['id']}/maintenances",
            json={
                "name": "Database upgrade",
                "message": "We upgrade the primary database.",
                "components": [api, database],
                "start": "2026-03-02 13:00:00.000",
                "duration": 60,
                "autoStart": True,
                "autoEnd": True,
            },
        )
    )
    return subdomain, maintenance


def run_engine(sessions: sessionmaker[Session]) -> None:
    run_all_due(sessions, HANDLERS)


def test_a_maintenance_goes_from_upcoming_to_in_progress_to_history(
    live_url: str,
    instatus: httpx.Client,
    visit: Visit,
    sessions: sessionmaker[Session],
    travel: Any,
) -> None:
    subdomain, _ = scheduled_page(instatus)
    url = f"{live_url}/status/{subdomain}"

    visit.open(url)
    visit.shot("1-upcoming")
    assert "All systems operational" in visit.text("main")
    assert visit.legible(".banner")
    upcoming = visit.text("#upcoming")
    assert "Database upgrade" in upcoming
    assert "Scheduled for 2 Mar 2026, 14:00 CET (2 Mar 2026, 13:00 UTC)" in upcoming
    assert "API: Under maintenance" in upcoming
    assert "No maintenance in progress." in visit.text("#in-progress")

    travel.move_to(NOW + timedelta(hours=1, minutes=1))
    run_engine(sessions)
    visit.open(url)
    visit.shot("2-in-progress")
    assert "Under maintenance" in visit.text(".banner")
    assert visit.legible(".banner")
    assert "Database upgrade" in visit.text("#in-progress")
    components = visit.text("#components")
    assert "API Under maintenance" in components
    assert "Database Under maintenance" in components
    assert "Website Operational" in components
    assert "No maintenance planned." in visit.text("#upcoming")

    travel.move_to(NOW + timedelta(hours=2, minutes=1))
    run_engine(sessions)
    visit.open(url)
    visit.shot("3-over")
    assert "All systems operational" in visit.text(".banner")
    assert "Database upgrade" not in visit.text("main")
    assert "API Operational" in visit.text("#components")

    visit.page.get_by_role("link", name="History").first.click()
    visit.page.wait_for_url(f"{url}/history")
    visit.shot("4-history")
    assert "Database upgrade Completed" in visit.text("main")

    assert {urlparse(seen).hostname for seen in visit.requested} == {"127.0.0.1"}


def test_the_page_fits_a_phone(
    live_url: str, instatus: httpx.Client, browser: Any, travel: Any
) -> None:
    subdomain, _ = scheduled_page(instatus)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    try:
        visit = Visit(page, requested)
        visit.open(f"{live_url}/status/{subdomain}")
        visit.shot("5-phone")

        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert page.get_by_role("heading", name="Upcoming maintenance").is_visible()
        assert {urlparse(seen).hostname for seen in requested} == {"127.0.0.1"}
    finally:
        context.close()


def test_the_page_is_reachable_by_keyboard(
    live_url: str, instatus: httpx.Client, visit: Visit, travel: Any
) -> None:
    subdomain, _ = scheduled_page(instatus)
    visit.open(f"{live_url}/status/{subdomain}")

    focused = []
    for _ in range(4):
        visit.page.keyboard.press("Tab")
        focused.append(visit.page.evaluate("document.activeElement.textContent.trim()"))

    assert focused[0] == "Skip to content"
    assert "Current status" in focused
    assert "History" in focused


def test_a_day_with_an_outage_is_drawn_in_its_place_on_the_bar(
    live_url: str,
    visit: Visit,
    sessions: sessionmaker[Session],
    org: NewOrganization,
    travel: Any,
) -> None:
    subdomain, api = down_yesterday(Site(sessions, org), travel, "Acme Cloud")

    visit.open(f"{live_url}/status/{subdomain}")
    visit.shot("6-uptime-outage")
    bar = visit.page.locator("#component-" + api + " .bars").bounding_box()
    day = visit.page.locator("#component-" + api + " .bars .major").bounding_box()
    before = visit.page.locator("#component-" + api + " .bars .nodata").bounding_box()

    width = bar["width"] / 90
    assert abs(day["x"] - (bar["x"] + 88 * width)) < 1  # yesterday: the 89th of 90 days
    assert abs(day["width"] - width) < 1 and day["height"] == bar["height"]
    assert abs(before["x"] - bar["x"]) < 1 and abs(before["width"] - 79 * width) < 1
    assert visit.page.locator("#component-" + api + " .bars .major").get_attribute("title") == (
        "1 Mar 2026: 75.00% up"
    )
