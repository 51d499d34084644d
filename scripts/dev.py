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
import time
import urllib.error
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
STAMP = VENV / ".installed"
ADDRESS = "127.0.0.1:8000"
URL = f"http://{ADDRESS}/"


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
        # LDAP sign-on compiles python-ldap: without the OpenLDAP headers the rest still runs.
        ldap = subprocess.run(
            [str(PYTHON), "-m", "pip", "install", "--quiet", "-e", ".[dev,ldap]"], cwd=ROOT
        )
        if ldap.returncode != 0:
            print(
                "LDAP sign-on is not installed (python-ldap needs the OpenLDAP headers: "
                "apt-get install libldap2-dev libsasl2-dev, then run this again); "
                "everything else is.",
                flush=True,
            )
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
    server = subprocess.Popen([str(PYTHON), "manage.py", "runserver", ADDRESS], cwd=ROOT)
    try:
        if wait_until_answering(server):
            print(f"\nThe site is at {URL}  (Ctrl-C stops site and worker)\n", flush=True)
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for process in (server, worker):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)


def wait_until_answering(server: subprocess.Popen, seconds: float = 120) -> bool:
    """True once the site answers HTTP; False if the server process ends or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"{URL}login/", timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # any HTTP answer means the server is up
        except OSError:
            time.sleep(0.5)
    return False


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
