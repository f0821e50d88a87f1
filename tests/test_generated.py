"""The generated API files are current: nobody edited them by hand or forgot to
regenerate after changing api/*.api."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_generated_files_are_current():
    proc = subprocess.run([sys.executable, str(ROOT / "api" / "generate.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
