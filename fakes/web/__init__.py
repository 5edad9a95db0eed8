"""The one place that speaks werkzeug: app shell, request/response types, control plane, serving.

Service packages (``fakes.canvas``, ``fakes.accredible``) import the names re-exported here and
never werkzeug itself.
"""

from fakes.web.app import ControlHandler, ErrorTable, FakeApp, Handler, Handlers, Route
from fakes.web.http import (
    HTML,
    ApiRequest,
    ApiResponse,
    BadRequestBody,
    BodyTooLarge,
    html_page,
    json_response,
    seed_specs,
    text_response,
)

__all__ = [
    "HTML",
    "ApiRequest",
    "ApiResponse",
    "BadRequestBody",
    "BodyTooLarge",
    "ControlHandler",
    "ErrorTable",
    "FakeApp",
    "Handler",
    "Handlers",
    "Route",
    "html_page",
    "json_response",
    "seed_specs",
    "text_response",
]
