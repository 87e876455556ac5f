"""The shape of the code base, checked: the product never depends on the emulators, and a
deployment without CONNECTOR_EMULATORS has neither their app, their tables nor their routes."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCT_PACKAGES = ("connector", "accounts", "syncjobs")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_product_module_imports_an_emulator() -> None:
    offenders = sorted(
        f"{path.relative_to(ROOT)} imports {name}"
        for package in PRODUCT_PACKAGES
        for path in (ROOT / package).rglob("*.py")
        for name in imported_modules(path)
        if name == "emulators" or name.startswith("emulators.")
    )
    assert offenders == []


def test_no_emulator_code_is_left_in_the_product_packages() -> None:
    leftovers = sorted(str(p.relative_to(ROOT)) for package in PRODUCT_PACKAGES
                       for p in (ROOT / package).rglob("*emulator*.py"))
    assert leftovers == []


def test_without_emulators_the_app_and_its_routes_are_absent(tmp_path: Path) -> None:
    code = (
        "import json, django; django.setup();"
        "from django.conf import settings; from django.urls import resolve, Resolver404\n"
        "def routed(p):\n"
        "    try:\n        resolve(p); return True\n"
        "    except Resolver404:\n        return False\n"
        "print(json.dumps({'installed': 'emulators' in settings.INSTALLED_APPS,"
        " 'emulator_route': routed('/_emulators/shopify/_control/state'), 'demo_route': routed('/demo/'),"
        " 'admin_route': routed('/admin/')}))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONNECTOR_", "DATABASE_URL"))}
    env.update(DJANGO_SETTINGS_MODULE="connector.settings", DEBUG="true", CONNECTOR_VAR_DIR=str(tmp_path),
               CONNECTOR_EMULATORS="false")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {
        "installed": False, "emulator_route": False, "demo_route": False, "admin_route": True}
