"""Request-scoped database sessions, with each request's transaction ended in its endpoint's thread."""

import functools
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session


def _session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


DbSession = Annotated[Session, Depends(_session)]


class TransactionalRoute(APIRoute):
    """Commits (or rolls back) the endpoint's `session` in the thread that ran the endpoint.

    Ending the transaction there returns the pooled connection before the request waits for
    anything else; a request holding a connection while it waits for a free thread could
    otherwise deadlock the pool under load.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, _committing(endpoint), **kwargs)


def _committing(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        session = kwargs.get("session")
        if not isinstance(session, Session):
            return endpoint(*args, **kwargs)
        try:
            result = endpoint(*args, **kwargs)
            session.commit()
        except BaseException:
            session.rollback()
            raise
        return result

    return run
