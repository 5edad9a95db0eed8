"""The scenario engine: drives the fakes over HTTP the way people and browsers do.

``sim`` reaches the fakes only through HTTP clients (in-process or real sockets), never by
importing their models, so a scenario runs the same way against any base URL.
"""

__version__ = "0.1.0"
