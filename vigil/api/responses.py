from typing import Any

import orjson
from starlette.responses import JSONResponse


class FastJSONResponse(JSONResponse):
    """JSON rendered by orjson: several times faster than the standard library."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def json_error(status: int, message: str) -> FastJSONResponse:
    return FastJSONResponse({"error": message}, status_code=status)
