#!/usr/bin/env python3
"""Set up and run the tracker on a fresh machine with nothing but Python 3.11.

python3.11 scripts/dev.py run    # install, migrate, load the demo, start site + worker + beat
python3.11 scripts/dev.py test   # install, then run the whole test suite (args go to pytest)
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
STAMP = VENV / ".installed"


def sh(*args: str | Path, **kwargs) -> None:
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True, **kwargs)


def setup() -> None:
    """Create .venv and install the pinned dependencies, once per change of pyproject.toml."""
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"Python 3.11 is required, this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        print("Creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text() != wanted:
        print("Installing dependencies into .venv …", flush=True)
        sh(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        sh(PYTHON, "-m", "pip", "install", "--quiet", "-e", ".[dev]")
        STAMP.write_text(wanted)


def run() -> None:
    setup()
    sh(PYTHON, "manage.py", "migrate", "--noinput")
    sh(PYTHON, "manage.py", "load_demo")
    var = ROOT / "var"
    var.mkdir(exist_ok=True)
    # Worker with embedded beat: reminders go out on the local (or Redis) broker.
    worker = subprocess.Popen(
        [
            str(BIN / "celery"),
            "-A",
            "config",
            "worker",
            "-B",
            "--loglevel",
            "INFO",
            "--concurrency",
            "2",
            "--schedule",
            str(var / "celerybeat-schedule"),
        ],
        cwd=ROOT,
    )
    print("\nThe site is at http://127.0.0.1:8000/  (Ctrl-C stops site and worker)\n", flush=True)
    try:
        sh(PYTHON, "manage.py", "runserver", "127.0.0.1:8000")
    except (KeyboardInterrupt, subprocess.CalledProcessError):
        pass
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)


def test(extra: list[str]) -> int:
    setup()
    return subprocess.run([str(PYTHON), "-m", "pytest", *extra], cwd=ROOT).returncode


def main() -> None:
    command, extra = (sys.argv[1] if len(sys.argv) > 1 else ""), sys.argv[2:]
    if command == "setup":
        setup()
    elif command == "run":
        run()
    elif command == "test":
        sys.exit(test(extra))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
