"""Everything the running application loads, loaded once: the proof that the runtime lock
(requirements/base.lock) is complete.

``manage.py check_startup`` runs :func:`load_everything` in a virtualenv holding the runtime
lock alone (CI does so on a bare clone, before the development packages are installed), and
the test suite checks statically that every package the application imports is pinned in
that lock and declared in pyproject.toml. A package imported only inside a function, or a
backend named only in settings, is still loaded here: every module named by an import
statement anywhere in the application is imported by name.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import django
from django.core.management import get_commands, load_command_class
from django.template import engines
from django.urls import URLPattern, URLResolver, get_resolver

import digiamen

# Test support, never loaded by the running application.
NOT_APPLICATION = re.compile(r"(^|\.)(tests|conftest|test_settings)(\.|$)")

# Loaded by name (settings, the Makefile, the operations guide), never by an import
# statement in the application: Django's PostgreSQL backend, the Redis cache and queue,
# the production web server.
LOADED_BY_NAME = ("psycopg", "redis", "gunicorn.app.wsgiapp")


def application_modules() -> list[str]:
    """Dotted names of every module of the application (migrations included)."""
    names = []
    for info in pkgutil.walk_packages(digiamen.__path__, prefix="digiamen."):
        if not NOT_APPLICATION.search(info.name):
            names.append(info.name)
    return sorted(names)


def application_files() -> list[Path]:
    root = Path(digiamen.__file__).resolve().parent
    files = []
    for path in sorted(root.rglob("*.py")):
        dotted = ".".join(("digiamen", *path.relative_to(root).with_suffix("").parts))
        if not NOT_APPLICATION.search(dotted):
            files.append(path)
    return files


def imported_modules() -> dict[str, set[str]]:
    """Every module named by an import statement of the application that is neither its
    own nor the standard library's (imports inside functions included), with the files
    naming it, plus the backends loaded by name."""
    found: dict[str, set[str]] = {}
    for path in application_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top != "digiamen" and top not in sys.stdlib_module_names:
                    found.setdefault(module, set()).add(path.name)
    for module in LOADED_BY_NAME:
        found.setdefault(module, set()).add("(loaded by name)")
    return found


def third_party_imports() -> dict[str, set[str]]:
    """The top-level packages of :func:`imported_modules`, with the files naming them."""
    packages: dict[str, set[str]] = {}
    for module, files in imported_modules().items():
        packages.setdefault(module.split(".")[0], set()).update(files)
    return packages


@dataclass(frozen=True)
class Loaded:
    modules: int
    url_patterns: int
    commands: int
    tasks: int
    templates: int
    third_party: int

    def __str__(self) -> str:
        return (
            f"Django {django.get_version()}: {self.modules} modules, "
            f"{self.url_patterns} URL patterns, {self.commands} management commands, "
            f"{self.tasks} queue tasks, {self.templates} templates and "
            f"{self.third_party} third-party modules loaded"
        )


def _url_patterns(patterns: list[URLPattern | URLResolver]) -> int:
    count = 0
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            count += _url_patterns(pattern.url_patterns)  # imports the included URLconf
        elif callable(pattern.callback):  # resolving the view imports its module
            count += 1
    return count


def _templates() -> int:
    count = 0
    for engine in engines.all():
        directories = list(getattr(engine, "template_dirs", ()))
        for directory in map(Path, directories):
            for path in directory.rglob("*.html"):
                engine.get_template(str(path.relative_to(directory)))
                count += 1
    return count


def load_everything() -> Loaded:
    """Import every module, URLconf, management command, queue task and template; raise
    on the first that cannot load (ImportError names the missing package)."""
    from django.core.wsgi import get_wsgi_application
    from huey.contrib.djhuey import HUEY

    modules = application_modules()
    for name in modules:
        importlib.import_module(name)
    # Third-party modules imported only inside functions (WeasyPrint when a PDF is drawn)
    # are not loaded by importing the application's modules: load each by name.
    for name in sorted(imported_modules()):
        importlib.import_module(name)
    get_wsgi_application()  # the middleware chain
    patterns = _url_patterns(get_resolver().url_patterns)
    commands = 0
    for name, app in get_commands().items():
        load_command_class(app, name)
        commands += 1
    tasks = len(HUEY._registry._registry)
    return Loaded(len(modules), patterns, commands, tasks, _templates(), len(imported_modules()))
