"""The import arrows of DESIGN.md section 3, checked on the source: urls -> responses -> models
-> core; werkzeug and pytest-httpserver only in fakes/web; sim reaches the fakes over HTTP."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("canvas", "accredible")
HTTP_LIBRARIES = ("werkzeug", "pytest_httpserver")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _violations(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    out = []
    for path in paths:
        for name in _imports(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                out.append(f"{_module(path)} imports {name}")
    return out


def test_the_checker_sees_imports():
    assert "werkzeug.routing" in _imports(ROOT / "fakes/web/app.py")


def test_only_fakes_web_speaks_werkzeug_or_pytest_httpserver():
    paths = [p for p in _sources("fakes") + _sources("sim") if "fakes/web" not in p.as_posix()]
    assert _violations(paths, HTTP_LIBRARIES) == []


def test_core_depends_on_no_other_part_of_the_fakes():
    others = tuple(f"fakes.{p}" for p in ("web", "canvas", "accredible", "world"))
    assert _violations(_sources("fakes/core"), (*others, *HTTP_LIBRARIES, "httpx")) == []


@pytest.mark.parametrize("service", SERVICES)
def test_models_know_nothing_of_http(service):
    domain = ("models.py", "exceptions.py", "records.py", "progression.py")
    models = [
        ROOT / f"fakes/{service}/{name}"
        for name in domain
        if (ROOT / f"fakes/{service}/{name}").exists()
    ]
    forbidden = ("fakes.web", f"fakes.{service}.responses", f"fakes.{service}.urls", "httpx")
    assert _violations(models, forbidden) == []


@pytest.mark.parametrize("service", SERVICES)
def test_responses_do_not_import_routes(service):
    assert _violations([ROOT / f"fakes/{service}/responses.py"], (f"fakes.{service}.urls",)) == []


def test_services_do_not_import_each_other():
    for service in SERVICES:
        other = next(s for s in SERVICES if s != service)
        assert _violations(_sources(f"fakes/{service}"), (f"fakes.{other}",)) == []


def test_sim_reaches_the_fakes_only_through_the_world_the_servers_and_the_network():
    allowed = {"fakes.world", "fakes.web.serving", "fakes.web.net"}
    bad = [
        f"{_module(p)} imports {name}"
        for p in _sources("sim")
        for name in _imports(p)
        if name.startswith("fakes") and name not in allowed
    ]
    assert bad == []


def test_the_fakes_never_import_the_scenario_engine():
    assert _violations(_sources("fakes"), ("sim",)) == []
