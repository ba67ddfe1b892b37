"""The local SMTP and HTTP servers of `servers.py` as fixtures for every notify test."""

from tests.notify.servers import http_server, smtp_server

__all__ = ["http_server", "smtp_server"]
