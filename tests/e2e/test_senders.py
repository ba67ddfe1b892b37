"""Real alert senders work against Vigil by changing only the URL they post to.

Each body below is byte for byte what the sender's Go code produces (encoding/json: map keys
sorted, `<`, `>` and `&` escaped as \\u003c, \\u003e and \\u0026; json.Encoder adds a newline), for
a typical configuration:

- Prometheus Alertmanager, notify/victorops/victorops.go: a flat map of strings, message_type
  CRITICAL (its default; severity templates give WARNING or INFO) while firing and RECOVERY once
  resolved, entity_id the SHA-256 of the group key, plus the receiver's `custom_fields`; the URL
  is `api_url` + `{api_key}/{routing_key}`; any 2xx is success, 5xx retried.
- Grafana alerting, receivers/victorops: the same fields plus `timestamp`, `alert_url` and
  `image_url`; the URL is the whole ingestion URL as the user typed it.
- Kapacitor, services/victorops/service.go: level CRITICAL/WARNING/INFO, OK sent as RECOVERY,
  `data` as a JSON string (or an object with `json-data`), monitoring_tool "kapacitor"; the URL is
  path.Join(url, api_key, routing_key); only 200 is success, 404 means "URL or API key not found".

Apprise (PyPI) is not tested: its Splunk/VictorOps plugin hard-codes
https://alert.victorops.com/... (`NotifySplunk.notify_url`) and its `splunk://` URLs carry no host,
so it cannot be pointed at a local server without patching the library.
"""

import hashlib
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.e2e.alerting import ALERT_PATH, alerts_of, incidents_of
from tests.e2e.servers import vigil_server
from vigil.orgs.service import NewOrganization


@pytest.fixture(scope="module")
def server(database_url: str, settings: object) -> Iterator[str]:
    with vigil_server(database_url) as base:
        yield base


def go_json(document: dict[str, Any], *, newline: bool) -> bytes:
    """What Go's encoding/json writes for a map: sorted keys, HTML characters escaped."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for character, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(character, escaped)
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return (text + ("\n" if newline else "")).encode()


# --- Prometheus Alertmanager ------------------------------------------------------------------

AM_GROUP_KEY = '{}/{severity="critical"}:{alertname="HighRequestLatency", job="api"}'
AM_ENTITY_ID = hashlib.sha256(AM_GROUP_KEY.encode()).hexdigest()  # notify.Key.Hash()
AM_CUSTOM_FIELDS = {
    "runbook": "https://runbooks.example.com/latency?service=api&env=prod",
    "team": "platform",
}


def alertmanager_body(status: str) -> bytes:
    """One group's notification with the receiver's default templates."""
    firing = status == "firing"
    subject = "[FIRING:1]" if firing else "[RESOLVED]"
    message = {
        "message_type": "CRITICAL" if firing else "RECOVERY",
        "entity_id": AM_ENTITY_ID,
        "entity_display_name": f"{subject} HighRequestLatency api (critical)",
        "state_message": (
            "p99 latency > 500ms for 5 minutes\n"
            f"Alerts {'Firing' if firing else 'Resolved'}:\n"
            "Labels:\n - alertname = HighRequestLatency\n - instance = api-7:9100\n"
            " - job = api\n - severity = critical\nAnnotations:\n"
            " - summary = p99 latency > 500ms for 5 minutes\n"
            "Source: http://prometheus:9090/graph?g0.expr=latency_p99+%3E+0.5&g0.tab=1\n"
        ),
        "monitoring_tool": "Alertmanager",
        **AM_CUSTOM_FIELDS,
    }
    return go_json(message, newline=True)


def alertmanager_post(server: str, org: NewOrganization, status: str) -> httpx.Response:
    api_url = f"{server}{ALERT_PATH}/"  # victorops_api_url, with the trailing slash it requires
    return httpx.post(
        f"{api_url}{org.rest_key}/platform",
        content=alertmanager_body(status),
        headers={"Content-Type": "application/json", "User-Agent": "Alertmanager/0.28.1"},
        timeout=10,
    )


def test_alertmanager_firing_group_opens_an_incident(
    server: str, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    response = alertmanager_post(server, org, "firing")
    assert response.status_code == 200
    assert response.json() == {"result": "success", "entity_id": AM_ENTITY_ID}
    [incident] = incidents_of(sessions, org, AM_ENTITY_ID)
    assert incident.phase == "triggered"
    assert incident.routing_key == "platform"
    assert incident.entity_display_name == "[FIRING:1] HighRequestLatency api (critical)"
    assert incident.monitoring_tool == "Alertmanager"


def test_alertmanager_resolved_group_resolves_its_incident(
    server: str, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    assert alertmanager_post(server, org, "firing").status_code == 200
    assert alertmanager_post(server, org, "resolved").status_code == 200
    [incident] = incidents_of(sessions, org, AM_ENTITY_ID)
    assert incident.phase == "resolved"


def test_alertmanager_custom_fields_are_kept_on_the_alert(
    server: str, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    assert alertmanager_post(server, org, "firing").status_code == 200
    [alert] = alerts_of(sessions, org, AM_ENTITY_ID)
    stored = json.loads(alert.raw)
    assert {name: stored[name] for name in AM_CUSTOM_FIELDS} == AM_CUSTOM_FIELDS


# --- Grafana alerting ---------------------------------------------------------------------------

GRAFANA_ENTITY_ID = hashlib.sha256(b'{}/{__grafana_autogenerated__="true"}:{}').hexdigest()


def grafana_body(status: str) -> bytes:
    firing = status == "firing"
    message = {
        "message_type": "CRITICAL" if firing else "RECOVERY",
        "entity_id": GRAFANA_ENTITY_ID,
        "entity_display_name": f"[{'FIRING:1' if firing else 'RESOLVED'}] DiskFull (db-1)",
        "timestamp": int(time.time()),
        "state_message": "**Firing**\n\nValue: B=97.2\nLabels:\n - alertname = DiskFull\n",
        "monitoring_tool": "Grafana v11.3.0",
        "image_url": "https://grafana.example.com/public/img/attachments/abc.png",
        "alert_url": "https://grafana.example.com/alerting/list",
    }
    return go_json(message, newline=False)


def grafana_post(server: str, org: NewOrganization, status: str) -> httpx.Response:
    url = f"{server}{ALERT_PATH}/{org.rest_key}/database"  # the contact point's whole URL
    return httpx.post(
        url,
        content=grafana_body(status),
        headers={"Content-Type": "application/json", "User-Agent": "Grafana"},
        timeout=10,
    )


def test_grafana_firing_alert_opens_an_incident(
    server: str, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    response = grafana_post(server, org, "firing")
    assert 200 <= response.status_code < 300
    [incident] = incidents_of(sessions, org, GRAFANA_ENTITY_ID)
    assert incident.phase == "triggered"
    assert incident.routing_key == "database"
    assert incident.monitoring_tool == "Grafana v11.3.0"


def test_grafana_resolved_alert_resolves_its_incident(
    server: str, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    assert grafana_post(server, org, "firing").status_code == 200
    assert grafana_post(server, org, "resolved").status_code == 200
    [incident] = incidents_of(sessions, org, GRAFANA_ENTITY_ID)
    assert incident.phase == "resolved"


# --- Kapacitor -----------------------------------------------------------------------------------

KAPACITOR_ID = "cpu:host=server-a"  # the alert node's default id: {{ .Name }}:{{ .Group }}
KAPACITOR_RESULT = {
    "series": [
        {
            "name": "cpu",
            "tags": {"host": "server-a"},
            "columns": ["time", "usage_idle"],
            "values": [["2026-11-22T21:00:00Z", 2.5]],
        }
    ]
}


def kapacitor_post(
    server: str,
    rest_key: str,
    level: str,
    *,
    routing_key: str = "infra",
    json_data: bool = False,
) -> httpx.Response:
    """Service.Alert: OK is sent as RECOVERY; `data` a JSON string unless json-data is set."""
    message = {
        "message_type": "RECOVERY" if level == "OK" else level,
        "entity_id": KAPACITOR_ID,
        "state_message": f"cpu:host=server-a is {level} value: 2.5",
        "timestamp": int(time.time()),
        "monitoring_tool": "kapacitor",
        "data": KAPACITOR_RESULT if json_data else json.dumps(KAPACITOR_RESULT),
    }
    # url = "https://alert.victorops.com/integrations/generic/20131114/alert", then path.Join
    path = "/".join(part for part in (ALERT_PATH, rest_key, routing_key) if part)
    return httpx.post(
        f"{server}{path}",
        content=go_json(message, newline=True),
        headers={"Content-Type": "application/json", "User-Agent": "Go-http-client/1.1"},
        timeout=10,
    )


def test_kapacitor_critical_gets_exactly_200_and_opens_an_incident(
    server: str, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    response = kapacitor_post(server, org.rest_key, "CRITICAL")
    assert response.status_code == 200  # Kapacitor takes anything else as a failure
    [incident] = incidents_of(sessions, org, KAPACITOR_ID)
    assert incident.phase == "triggered"
    assert incident.routing_key == "infra"
    assert incident.monitoring_tool == "kapacitor"


def test_kapacitor_ok_level_resolves_its_incident(
    server: str, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    assert kapacitor_post(server, org.rest_key, "CRITICAL").status_code == 200
    assert kapacitor_post(server, org.rest_key, "OK").status_code == 200
    [incident] = incidents_of(sessions, org, KAPACITOR_ID)
    assert incident.phase == "resolved"


def test_kapacitor_data_as_a_json_object_is_accepted(
    server: str, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    response = kapacitor_post(server, org.rest_key, "WARNING", json_data=True)
    assert response.status_code == 200
    [alert] = alerts_of(sessions, org, KAPACITOR_ID)
    assert json.loads(alert.raw)["data"] == KAPACITOR_RESULT


def test_kapacitor_without_a_routing_key_goes_to_the_default_key(
    server: str, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    assert kapacitor_post(server, org.rest_key, "CRITICAL", routing_key="").status_code == 200
    [incident] = incidents_of(sessions, org, KAPACITOR_ID)
    assert incident.routing_key == "default"


def test_kapacitor_with_a_wrong_api_key_gets_404_and_nothing_is_stored(
    server: str, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    wrong = "00000000-0000-4000-8000-000000000000"
    response = kapacitor_post(server, wrong, "CRITICAL")
    assert response.status_code == 404  # Kapacitor: "URL or API key not found: 404"
    assert alerts_of(sessions, org) == []
