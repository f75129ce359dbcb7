"""The library stays a library: no streamlit, and every message key exists in French."""

from __future__ import annotations

import re
import subprocess
import sys

from coopscore.i18n import catalogue

from .conftest import ROOT


def test_importing_coopscore_does_not_import_streamlit():
    code = ("import sys, coopscore, coopscore.cli, pkgutil, importlib\n"
            "for m in pkgutil.iter_modules(coopscore.__path__):\n"
            "    m.name != '__main__' and importlib.import_module('coopscore.' + m.name)\n"
            "print('streamlit' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"


def test_every_literal_message_key_exists_in_the_french_catalogue():
    keys = catalogue("fr")
    pattern = re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""")
    missing = []
    sources = [*ROOT.glob("coopscore/*.py"), *ROOT.glob("views/*.py"), ROOT / "app.py",
               *ROOT.glob("*.py")]
    for path in sources:
        for key in pattern.findall(path.read_text(encoding="utf-8")):
            if key not in keys:
                missing.append(f"{path.name}: {key}")
    assert missing == []
