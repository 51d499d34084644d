"""Real servers for the sign-on tests, on loopback: Debian's slapd with a test tree, and node's
oidc-provider (tests/sso/provider). Each test gets its own, started and stopped around it.

Locally a test skips when slapd or node_modules are missing; in CI (CI_REQUIRE_SERVICES=1,
.ci/run installs both) it fails instead.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from config.sso import LDAP_BACKEND, OIDC_BACKEND, ldap_settings, oidc_settings, provider_origins

from ..conftest import REQUIRE_SERVICES

SLAPD = "/usr/sbin/slapd"
SLAPADD = "/usr/sbin/slapadd"
PROVIDER_DIR = Path(__file__).resolve().parent / "provider"
NODE = shutil.which("node")

SUFFIX = "dc=example,dc=gov,dc=cn"
SERVICE_DN = f"cn=tracker,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "service-secret-1"
GROUPS = f"ou=groups,{SUFFIX}"
PEOPLE = f"ou=people,{SUFFIX}"
LDAP_PASSWORD = "Directory-pass-1"
EDUCATION = "市教育局"  # the unit the directory's liaisons belong to

# The directory's people: uid -> (cn, unit (ou), employeeType, groups).
DIRECTORY_PEOPLE = {
    "wangwu": ("王五", EDUCATION, "staff", ["liaison"]),
    "lisi": ("李四", "", "staff", ["office", "liaison"]),
    "zhaoliu": ("赵六", EDUCATION, "disabled", ["liaison"]),
    "sunqi": ("孙七", EDUCATION, "staff", []),
    "zhouba": ("周八", "不存在的单位", "staff", ["liaison"]),
}


def needs(thing: str, present: bool) -> None:
    if present:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{thing} is required in CI (CI_REQUIRE_SERVICES=1)")
    pytest.skip(f"needs {thing}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, what: str, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)  # polling a port that is not open yet, not waiting on a page
    raise RuntimeError(f"{what} did not listen on {port} within {seconds} s")


def _ldif(entries: list[dict[str, list[str] | str]]) -> str:
    blocks = []
    for entry in entries:
        lines = []
        for key, values in entry.items():
            for value in [values] if isinstance(values, str) else values:
                if value.isascii():
                    lines.append(f"{key}: {value}")
                else:
                    import base64

                    lines.append(f"{key}:: {base64.b64encode(value.encode()).decode()}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def directory_tree() -> str:
    entries: list[dict[str, list[str] | str]] = [
        {"dn": SUFFIX, "objectClass": ["dcObject", "organization"], "dc": "example", "o": "示例市"},
        {"dn": f"ou=people,{SUFFIX}", "objectClass": "organizationalUnit", "ou": "people"},
        {"dn": f"ou=groups,{SUFFIX}", "objectClass": "organizationalUnit", "ou": "groups"},
        {"dn": f"ou=services,{SUFFIX}", "objectClass": "organizationalUnit", "ou": "services"},
        {
            "dn": SERVICE_DN,
            "objectClass": ["organizationalRole", "simpleSecurityObject"],
            "cn": "tracker",
            "userPassword": SERVICE_PASSWORD,
        },
    ]
    for uid, (cn, unit, kind, _groups) in DIRECTORY_PEOPLE.items():
        person: dict[str, list[str] | str] = {
            "dn": f"uid={uid},{PEOPLE}",
            "objectClass": "inetOrgPerson",
            "uid": uid,
            "cn": cn,
            "sn": cn[0],
            "mail": f"{uid}@example.gov.cn",
            "employeeType": kind,
            "userPassword": LDAP_PASSWORD,
        }
        if unit:
            person["ou"] = unit
        entries.append(person)
    for role in ("office", "leader", "liaison"):
        members = [f"uid={uid},{PEOPLE}" for uid, p in DIRECTORY_PEOPLE.items() if role in p[3]]
        entries.append(
            {
                "dn": f"cn=tracker-{role},{GROUPS}",
                "objectClass": "groupOfNames",
                "cn": f"tracker-{role}",
                # groupOfNames needs a member; the service account stands in for an empty group.
                "member": members or [SERVICE_DN],
            }
        )
    return _ldif(entries)


SLAPD_CONF = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile {root}/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 16777216
suffix "{suffix}"
rootdn "cn=admin,{suffix}"
rootpw admin-secret
directory {root}/data
access to attrs=userPassword by self write by anonymous auth by * none
access to * by users read by * none
"""


@dataclass
class Directory:
    """One slapd on a free loopback port, its database built with slapadd from the test tree."""

    root: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    def build(self) -> None:
        (self.root / "data").mkdir()
        (self.root / "slapd.conf").write_text(SLAPD_CONF.format(root=self.root, suffix=SUFFIX))
        (self.root / "tree.ldif").write_text(directory_tree())
        subprocess.run(
            [SLAPADD, "-f", self.root / "slapd.conf", "-l", self.root / "tree.ldif"],
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        self.process = subprocess.Popen(
            [SLAPD, "-f", self.root / "slapd.conf", "-h", f"{self.uri}/", "-d", "0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        wait_for_port(self.port, self.process, "slapd")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def modify(self, ldif: str) -> None:
        """Change the directory as its administrator would (ldapmodify as the root DN)."""
        subprocess.run(
            ["ldapmodify", "-x", "-H", self.uri, "-D", f"cn=admin,{SUFFIX}", "-w", "admin-secret"],
            input=ldif.encode(),
            check=True,
            capture_output=True,
        )

    def env(self) -> dict[str, str]:
        return {
            "LDAP_SERVER_URI": self.uri,
            "LDAP_BIND_DN": SERVICE_DN,
            "LDAP_BIND_PASSWORD": SERVICE_PASSWORD,
            "LDAP_USER_SEARCH_BASE": PEOPLE,
            "LDAP_USER_FILTER": "(uid=%(user)s)",
            "LDAP_GROUP_SEARCH_BASE": GROUPS,
            "LDAP_GROUP_OFFICE": f"cn=tracker-office,{GROUPS}",
            "LDAP_GROUP_LEADER": f"cn=tracker-leader,{GROUPS}",
            "LDAP_GROUP_LIAISON": f"cn=tracker-liaison,{GROUPS}",
            "LDAP_UNIT_ATTRIBUTE": "ou",
            "LDAP_DISABLED_FILTER": "(employeeType=disabled)",
            "LDAP_CONNECT_TIMEOUT": "2",
            "LDAP_TIMEOUT": "2",
        }


# python-ldap compiles against the OpenLDAP headers, so it is the optional `ldap` extra.
PYTHON_LDAP = importlib.util.find_spec("ldap") is not None
NO_PYTHON_LDAP = (
    "python-ldap (pip install -e '.[ldap]' after apt-get install libldap2-dev libsasl2-dev)"
)


@pytest.fixture
def directory() -> Iterator[Directory]:
    needs(NO_PYTHON_LDAP, PYTHON_LDAP)
    needs(SLAPD, os.path.exists(SLAPD) and os.path.exists(SLAPADD))
    with tempfile.TemporaryDirectory(prefix="slapd-") as root:
        server = Directory(Path(root))
        server.build()
        server.start()
        try:
            yield server
        finally:
            server.stop()


def use_sign_on(settings, env: dict[str, str]) -> None:
    """What config/settings.py's "Unified sign-on" block does, for this test's servers."""
    ldap, oidc = ldap_settings(env), oidc_settings(env)
    for name, value in {**ldap, **oidc}.items():
        setattr(settings, name, value)
    backends = [
        b for b in settings.AUTHENTICATION_BACKENDS if b not in (LDAP_BACKEND, OIDC_BACKEND)
    ]
    backends += [LDAP_BACKEND] if ldap["LDAP_ENABLED"] else []
    backends += [OIDC_BACKEND] if oidc["OIDC_ENABLED"] else []
    settings.AUTHENTICATION_BACKENDS = backends
    policy = json.loads(json.dumps(settings.CONTENT_SECURITY_POLICY))
    policy["DIRECTIVES"]["form-action"] += provider_origins(oidc)
    settings.CONTENT_SECURITY_POLICY = policy


CLIENT_ID = "tracker"
CLIENT_SECRET = "tracker-client-secret-0123456789"
PROVIDER_PEOPLE = {
    "chenqi": {
        "preferred_username": "chenqi",
        "name": "陈七",
        "email": "chenqi@example.gov.cn",
        "role": "office",
    },
    "liuba": {
        "preferred_username": "liuba",
        "name": "刘八",
        "email": "liuba@example.gov.cn",
        "role": "liaison",
        "unit": EDUCATION,
    },
    "nobody": {"preferred_username": "nobody", "name": "无名", "email": "nobody@example.gov.cn"},
}


@dataclass
class OpenIDProvider:
    port: int
    process: subprocess.Popen

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_OP_DISCOVERY_URL": f"{self.issuer}/.well-known/openid-configuration",
            "OIDC_RP_SCOPES": "openid email profile tracker",
            "OIDC_ROLE_CLAIM": "role",
            "OIDC_UNIT_CLAIM": "unit",
        }

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def start_provider() -> Iterator:
    """start_provider(site_url) -> an OpenIDProvider whose client returns to site_url."""
    needs("node", NODE is not None)
    needs(
        "tests/sso/provider/node_modules (npm ci)",
        (PROVIDER_DIR / "node_modules" / "oidc-provider").exists(),
    )
    started: list[OpenIDProvider] = []

    def start(site_url: str) -> OpenIDProvider:
        port = free_port()
        config = {
            "port": port,
            "issuer": f"http://127.0.0.1:{port}",
            "client": {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [f"{site_url}/oidc/callback/"],
                "post_logout_redirect_uris": [f"{site_url}/login/"],
            },
            "accounts": PROVIDER_PEOPLE,
        }
        assert NODE is not None
        process = subprocess.Popen(
            [NODE, "provider.mjs"],
            cwd=PROVIDER_DIR,
            env={**os.environ, "PROVIDER_CONFIG": json.dumps(config), "NODE_ENV": "test"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(port, process, "oidc-provider")
        provider = OpenIDProvider(port, process)
        started.append(provider)
        return provider

    yield start
    for provider in started:
        provider.stop()


class _Forms(HTMLParser):
    """The forms of a page: action, method and the named inputs' values (buttons included)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "id": a.get("id"), "fields": {}})
        elif tag in ("input", "button") and a.get("name") and self.forms:
            self.forms[-1]["fields"][a["name"]] = a.get("value") or ""


def forms_of(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


class ProviderUser:
    """A person at the provider's pages, driven with requests (its own cookies), who stops at
    the first redirect back to the site and hands it over."""

    def __init__(self, provider: OpenIDProvider, site_url: str):
        self.provider = provider
        self.site_url = site_url
        self.http = requests.Session()

    def follow(self, url: str, *, data: dict | None = None) -> requests.Response | str:
        """Follow redirects at the provider; the URL on the site's side when one leads there."""
        response = (
            self.http.post(url, data=data, allow_redirects=False, timeout=10)
            if data is not None
            else self.http.get(url, allow_redirects=False, timeout=10)
        )
        while response.is_redirect:
            target = urljoin(response.url, response.headers["Location"])
            if target.startswith(self.site_url):
                return target
            response = self.http.get(target, allow_redirects=False, timeout=10)
        return response

    def sign_in(self, authorize_url: str, login: str) -> str:
        """Through the provider's login form; the callback URL it sends the browser to."""
        page = self.follow(authorize_url)
        assert isinstance(page, requests.Response), page
        form = next(f for f in forms_of(page.text) if "login" in f["fields"])
        back = self.follow(
            urljoin(page.url, form["action"]),
            data={**form["fields"], "login": login, "password": "any"},
        )
        assert isinstance(back, str), getattr(back, "text", back)[:500]
        return back

    def end_session(self, end_session_url: str) -> str:
        """Answer the provider's "sign out?" page with yes; where it sends the browser back."""
        page = self.follow(end_session_url)
        assert isinstance(page, requests.Response), page
        form = next(f for f in forms_of(page.text) if f["id"] == "op.logoutForm")
        back = self.follow(
            urljoin(page.url, form["action"]), data={**form["fields"], "logout": "yes"}
        )
        assert isinstance(back, str), getattr(back, "text", back)[:500]
        return back


def site_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def query_param(url: str, name: str) -> str | None:
    match = re.search(rf"[?&]{name}=([^&]*)", url)
    return match.group(1) if match else None
