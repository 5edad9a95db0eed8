"""HTTP clients for the fakes (and for the real services: they speak the real wire format)."""

from sim.clients.accredible import AccredibleClient
from sim.clients.base import ApiError, NetworkError
from sim.clients.canvas import CanvasClient
from sim.clients.control import ControlClient

__all__ = ["AccredibleClient", "ApiError", "CanvasClient", "ControlClient", "NetworkError"]
