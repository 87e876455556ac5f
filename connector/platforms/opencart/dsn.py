"""The store database address: `mysql://user:password@host:port/database` (scheme `mariadb` too).

Parsing is strict so the connect page can say exactly which part is wrong; `describe()` names the
database without the password, for logs and messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from connector.platforms.base import PermanentError

SCHEMES = ("mysql", "mariadb")
DEFAULT_PORT = 3306


@dataclass(frozen=True)
class Dsn:
    host: str
    port: int
    user: str
    password: str
    database: str
    options: tuple[tuple[str, str], ...] = ()

    def describe(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.database}"


def parse_dsn(dsn: str) -> Dsn:
    parts = urlsplit(dsn.strip())
    if parts.scheme.lower() not in SCHEMES:
        raise PermanentError("The database address must start with mysql:// "
                             "(for example mysql://user:password@shop.example.com:3306/opencart).")
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError as exc:
        raise PermanentError("The database port must be a number such as 3306.") from exc
    database = unquote(parts.path.lstrip("/"))
    if not parts.hostname:
        raise PermanentError("The database address names no host.")
    if not database:
        raise PermanentError("The database address names no database (add /<database name> at the end).")
    if not parts.username:
        raise PermanentError("The database address names no user.")
    return Dsn(host=parts.hostname, port=port, user=unquote(parts.username), password=unquote(parts.password or ""),
               database=database, options=tuple(parse_qsl(parts.query)))


def build_dsn(*, host: str, port: int, user: str, password: str, database: str) -> str:
    auth = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
    return f"mysql://{auth}@{host}:{port}/{quote(database, safe='')}"
