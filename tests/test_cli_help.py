"""The command lines' help is plain text (no reStructuredText quoting) that names the
command as it is typed."""
import subprocess
import sys

import pytest

COMMANDS = [
    ["handlepy"],
    ["handlepy.conformance"],
    ["handlepy.hpysuite"],
    ["handlepy.hpysuite", "tests"],
    ["handlepy.hpysuite", "examples"],
    ["handlepy.hpysuite", "microbench"],
    ["handlepy.hpysuite", "report"],
    ["handlepy.hpy_setup"],
    ["handlepy.wheel"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_is_clean(command, tmp_path):
    # -I: in the checkout's root, the source folder handlepy/ would shadow the package.
    proc = subprocess.run([sys.executable, "-I", "-m", *command, "--help"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert text.startswith(f"usage: python -m {' '.join(command)}"), text
    assert "``" not in text and ":func:" not in text


def test_python_m_handlepy_help_names_every_abi_and_pkg_config(tmp_path):
    text = subprocess.run([sys.executable, "-I", "-m", "handlepy", "--help"], cwd=tmp_path,
                          capture_output=True, text=True, check=True).stdout
    assert "hybrid: universal, but also calls the C API" in " ".join(text.split())
    assert "--pkg-config-path [DIR]" in text
