"""The `vigil` command: serve, worker, database and organization administration."""

import json
import os
import sys
import tempfile
import threading
from typing import Annotated

import typer
import uvicorn
from sqlalchemy.orm import Session, sessionmaker

from vigil import clock, logs
from vigil.config import get_settings
from vigil.db import is_sqlite, make_engine, make_session_factory, transaction
from vigil.errors import DomainError
from vigil.migrations import upgrade
from vigil.orgs import service as orgs
from vigil.orgs.models import Organization
from vigil.statuspages import pages as statuspages

app = typer.Typer(
    help="Vigil: on-call, incidents and maintenance.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
org_app = typer.Typer(help="Organizations (tenants).", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys of an organization.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(apikey_app, name="apikey")
page_app = typer.Typer(help="Status pages.", no_args_is_help=True)
app.add_typer(page_app, name="page")

OrgOption = Annotated[
    str | None, typer.Option("--org", help="The organization's API id (optional if only one)")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object")]


def _sessions() -> sessionmaker[Session]:
    return make_session_factory(make_engine(get_settings().database_url, pool_size=1))


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _organization(session: Session, api_id: str | None) -> Organization:
    try:
        if api_id:
            return orgs.find_organization(session, api_id)
        found = orgs.list_organizations(session)
    except DomainError as error:
        _fail(error.message)
    if len(found) != 1:
        _fail(f"{len(found)} organizations exist: choose one with --org API_ID")
    return found[0]


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database (VIGIL_DATABASE_URL) to the newest schema."""
    upgrade(get_settings().database_url)
    typer.echo("database is up to date")


@org_app.command("create")
def org_create(name: str, as_json: JsonOption = False) -> None:
    """Create an organization with a read-write API key and a REST-endpoint key."""
    with transaction(_sessions()) as session:
        created = orgs.create_organization(session, name)
    document = {
        "org": created.org.name,
        "api_id": created.org.api_id,
        "api_key": created.api_key,
        "rest_key": created.rest_key,
    }
    if as_json:
        typer.echo(json.dumps(document))
    else:
        for label, value in document.items():
            typer.echo(f"{label:10} {value}")


@org_app.command("list")
def org_list(as_json: JsonOption = False) -> None:
    """List organizations and their API ids."""
    with transaction(_sessions()) as session:
        rows = [{"org": o.name, "api_id": o.api_id} for o in orgs.list_organizations(session)]
    typer.echo(
        json.dumps(rows) if as_json else "\n".join(f"{r['api_id']}  {r['org']}" for r in rows)
    )


@apikey_app.command("create")
def apikey_create(
    org: OrgOption = None,
    read_only: Annotated[bool, typer.Option("--read-only", help="May only read")] = False,
    rest: Annotated[bool, typer.Option("--rest", help="A REST-endpoint (alert) key")] = False,
    label: Annotated[str, typer.Option(help="What the key is for")] = "",
    as_json: JsonOption = False,
) -> None:
    """Create a key; its secret is printed once and stored only hashed."""
    with transaction(_sessions()) as session:
        organization = _organization(session, org)
        kind = "rest" if rest else "api"
        key, secret = orgs.create_api_key(
            session, organization.id, read_only=read_only, kind=kind, label=label
        )
        document = {"id": key.id, "kind": kind, "read_only": key.read_only, "secret": secret}
    typer.echo(json.dumps(document) if as_json else f"key {key.id}: {secret}")


@apikey_app.command("list")
def apikey_list(org: OrgOption = None, as_json: JsonOption = False) -> None:
    """List keys (their first characters only) and whether they are revoked."""
    with transaction(_sessions()) as session:
        organization = _organization(session, org)
        rows = [
            {
                "id": key.id,
                "kind": key.kind,
                "hint": f"{key.hint}…",
                "read_only": key.read_only,
                "label": key.label,
                "revoked": key.revoked_at is not None,
            }
            for key in orgs.list_api_keys(session, organization.id)
        ]
    if as_json:
        typer.echo(json.dumps(rows))
        return
    for row in rows:
        state = "revoked" if row["revoked"] else ("read-only" if row["read_only"] else "read-write")
        typer.echo(f"{row['id']:>5}  {row['kind']:4}  {row['hint']:9}  {state:10}  {row['label']}")


@apikey_app.command("revoke")
def apikey_revoke(key_id: int, org: OrgOption = None) -> None:
    """Revoke a key at once, on every server process."""
    with transaction(_sessions()) as session:
        organization = _organization(session, org)
        try:
            orgs.revoke_api_key(session, organization.id, key_id)
        except DomainError as error:
            _fail(error.message)
    typer.echo(f"key {key_id} revoked")


@page_app.command("create")
def page_create(
    name: str,
    subdomain: Annotated[str, typer.Option(help="Served at /status/SUBDOMAIN")],
    org: OrgOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a status page; prints its id (the Instatus page id) and its public URL."""
    settings = get_settings()
    with transaction(_sessions()) as session:
        organization = _organization(session, org)
        try:
            page = statuspages.create_page(
                session,
                organization.id,
                statuspages.PageFields(name=name, subdomain=subdomain),
                at=clock.now(),
            )
        except DomainError as error:
            _fail(error.message)
        document = {
            "id": page.key,
            "name": page.name,
            "subdomain": page.subdomain,
            "url": statuspages.page_url(page, settings.base_url),
        }
    typer.echo(json.dumps(document) if as_json else f"page {document['id']}: {document['url']}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8080,
    workers: Annotated[int, typer.Option(help="Server processes (PostgreSQL only)")] = 1,
    bootstrap: Annotated[
        bool, typer.Option(help="Create a first organization if there is none and print its keys")
    ] = False,
) -> None:
    """Serve the HTTP APIs. On SQLite the paging engine runs in the same process."""
    settings = get_settings()
    logs.configure(settings.log_level)
    if workers > 1 and is_sqlite(settings.database_url):
        _fail("--workers > 1 needs PostgreSQL: SQLite allows one writer process")
    if bootstrap:
        _print_first_steps(host, port)
    if workers > 1:
        os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="vigil-metrics-"))
    uvicorn.run(
        "vigil.api.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
    )


@app.command()
def worker() -> None:
    """Run the engine: claim due timers and run them (any number of workers on PostgreSQL)."""
    from vigil.engine.handlers import build_worker
    from vigil.heap import settle_heap

    settings = get_settings()
    logs.configure(settings.log_level)
    stop = threading.Event()
    worker_of_engine = build_worker(_sessions())
    settle_heap()
    try:
        worker_of_engine.run_forever(stop)
    except KeyboardInterrupt:
        stop.set()


def _print_first_steps(host: str, port: int) -> None:
    with transaction(_sessions()) as session:
        if orgs.list_organizations(session):
            typer.echo(
                "Vigil already has an organization; its keys were shown when it was created.\n"
                "New key: .venv/bin/vigil apikey create   (VIGIL_DATABASE_URL as for this server)",
                err=True,
            )
            return
        created = orgs.create_organization(session, "My Organization")
    base = f"http://{host}:{port}"
    typer.echo(
        f"""
Vigil created organization "{created.org.name}". Keep these: keys are shown only this once.
  API id    {created.org.api_id}
  API key   {created.api_key}
  REST key  {created.rest_key}

List the organization's users:
  curl -s -H 'X-VO-Api-Id: {created.org.api_id}' -H 'X-VO-Api-Key: {created.api_key}' \\
       {base}/api-public/v1/user

Add one:
  curl -s -H 'X-VO-Api-Id: {created.org.api_id}' -H 'X-VO-Api-Key: {created.api_key}' \\
       -H 'Content-Type: application/json' {base}/api-public/v1/user \\
       -d '{{"username":"ada","firstName":"Ada","lastName":"Lovelace","email":"ada@example.com"}}'

Send a first alert (what monitoring tools do), then see the incident it opened:
  curl -s {base}/integrations/generic/20131114/alert/{created.rest_key}/default \\
       -d '{{"message_type":"CRITICAL","entity_id":"disk-space","state_message":"Disk 95% full"}}'
  curl -s -H 'X-VO-Api-Id: {created.org.api_id}' -H 'X-VO-Api-Key: {created.api_key}' \\
       {base}/api-public/v1/incidents
""",
        err=True,
    )
    sys.stderr.flush()
