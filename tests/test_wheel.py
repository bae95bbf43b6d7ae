"""The wheel ships the built-in templates: install it in a fresh venv and render a table with it."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import textwrap
import venv

from conftest import ROOT


def test_wheel_installs_and_renders_with_its_own_templates(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next((tmp_path / "dist").glob("resultsbook-*.whl"))
    venv.EnvBuilder(with_pip=True).create(tmp_path / "venv")
    python = tmp_path / "venv" / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)], check=True
    )
    script = textwrap.dedent(
        """
        import os, resultsbook
        from resultsbook.render.templates import builtin_template_dir
        from resultsbook.render.latex import render_latex
        from resultsbook.render.layout import DisplayCell, Layout
        layout = Layout(("Model",), ((("acc", 1),),), ((("m",), (DisplayCell("93.4", "0.2"),)),), (), (), "", "pm")
        print(resultsbook.__file__)
        print(builtin_template_dir())
        print(render_latex(layout, "pm"))
        """
    )
    # dependencies come from the test environment, resultsbook only from the fresh install
    environment = dict(os.environ, PYTHONPATH=sysconfig.get_paths()["purelib"])
    result = subprocess.run(
        [str(python), "-c", script], capture_output=True, text=True, cwd=tmp_path, env=environment, check=True
    )
    module, templates, text = result.stdout.split("\n", 2)
    assert module.startswith(str(tmp_path / "venv"))
    assert templates.startswith(str(tmp_path / "venv")) and templates.endswith(
        os.path.join("resultsbook", "templates")
    )
    guard, table = text.split("\n", 1)  # the table stops a paper without booktabs, then is the template's
    assert guard.startswith("\\ifdefined\\toprule\\else")
    assert "m & 93.4 $\\pm$ 0.2 \\\\" in table and table.startswith("\\begin{tabular}{lc}")
