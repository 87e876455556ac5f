"""The one chokepoint to the store's database: connections, timeouts and error mapping.

OpenCart's own API cannot list products, stock or orders (reference pack section 1.1), so the
connector reads and writes its MySQL / MariaDB tables with PyMySQL. Every statement goes through a
connection opened here, and every PyMySQL error leaves as a RetryableError (the server was busy,
unreachable or dropped us) or a PermanentError (wrong password, missing table or column, no
privilege) in words a bookkeeper can act on. Passwords never reach a message or a log line.
"""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pymysql
from django.conf import settings
from pymysql.constants import CLIENT, CR, ER
from pymysql.cursors import DictCursor

from connector.env import env_int
from connector.platforms.base import PermanentError, PlatformError, ReconnectRequired, RetryableError
from connector.platforms.opencart.dsn import Dsn, parse_dsn

logger = logging.getLogger("connector.opencart")

PREFIX_PATTERN = re.compile(r"^[A-Za-z0-9_]{0,40}$")

# Errors after which the same statement may well succeed later.
RETRYABLE_CODES = {
    CR.CR_CONN_HOST_ERROR, CR.CR_SERVER_GONE_ERROR, CR.CR_SERVER_LOST, CR.CR_UNKNOWN_HOST,
    ER.CON_COUNT_ERROR, ER.LOCK_WAIT_TIMEOUT, ER.LOCK_DEADLOCK, ER.SERVER_SHUTDOWN,
    1158, 1159, 1160, 1161,  # network read / write errors and timeouts
    1317,  # query execution was interrupted
    1969,  # MariaDB max_statement_time exceeded
    3024,  # MySQL max_execution_time exceeded
}
AUTH_CODES = {ER.ACCESS_DENIED_ERROR, ER.DBACCESS_DENIED_ERROR}
PRIVILEGE_CODES = {ER.TABLEACCESS_DENIED_ERROR, ER.COLUMNACCESS_DENIED_ERROR, 1227}


def _seconds(name: str, default: int) -> int:
    """settings.<name> when the project defines it, else the environment variable of that name."""
    value = getattr(settings, name, None)
    return int(value) if value else env_int(name, default, minimum=1)


def connect_timeout() -> int:
    return _seconds("OPENCART_DB_CONNECT_TIMEOUT", 10)


def read_timeout() -> int:
    """Also the write timeout: a statement blocked longer (e.g. on a locked row) is retryable."""
    return _seconds("OPENCART_DB_READ_TIMEOUT", 60)


def check_prefix(prefix: str) -> str:
    """Table prefixes are spliced into SQL as identifiers, so only [A-Za-z0-9_] is accepted."""
    if not PREFIX_PATTERN.match(prefix or ""):
        raise PermanentError(f"The table prefix {prefix!r} may only contain letters, digits and underscores.")
    return prefix


def map_error(exc: BaseException, dsn: Dsn) -> PlatformError:
    """A PyMySQL (or socket) error -> RetryableError / PermanentError in plain words."""
    where = f"{dsn.host}:{dsn.port}"
    if isinstance(exc, PlatformError):
        return exc
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return RetryableError(f"The store database at {where} did not answer in time.")
    code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
    text = str(exc.args[1]) if len(exc.args) > 1 else str(exc)
    if code in AUTH_CODES:
        return ReconnectRequired(
            f"The store database at {where} refused the user name or password for user {dsn.user!r} "
            f"(or this user may not use database {dsn.database!r}). Check them and connect again.",
            code=str(code))
    if code == ER.BAD_DB_ERROR:
        return PermanentError(f"There is no database called {dsn.database!r} on {where}.", code=str(code))
    if code == ER.NO_SUCH_TABLE:
        return PermanentError(f"A store table is missing ({_quoted(text)}). Check the table prefix, or "
                              "whether this is an OpenCart database.", code=str(code))
    if code == ER.BAD_FIELD_ERROR:
        return PermanentError(f"A store table lacks a column we expected ({_quoted(text)}). This OpenCart "
                              "version or an extension changed the tables.", code=str(code))
    if code in PRIVILEGE_CODES:
        return PermanentError(f"The database user {dsn.user!r} lacks a privilege we need: {text}",
                              code=str(code))
    if code == CR.CR_CONN_HOST_ERROR or isinstance(exc, ConnectionRefusedError):
        return RetryableError(f"Could not reach the store database at {where}. Check the host name and port, "
                              "and that the server accepts connections from this machine.", code=str(code or ""))
    if code == CR.CR_UNKNOWN_HOST:
        return RetryableError(f"The database host name {dsn.host!r} could not be resolved.", code=str(code))
    if code in RETRYABLE_CODES or isinstance(exc, (pymysql.err.InterfaceError, OSError)):
        return RetryableError(f"The store database at {where} dropped or refused the call for now ({text}).",
                              code=str(code or ""))
    if isinstance(exc, pymysql.err.OperationalError) and code is not None and code >= 2000:
        return RetryableError(f"The connection to the store database at {where} failed ({text}).",
                              code=str(code))
    return PermanentError(f"The store database at {where} refused the statement: {text}", code=str(code or ""))


def _quoted(text: str) -> str:
    match = re.search(r"'([^']+)'", text)
    return match.group(1) if match else text


def open_connection(dsn: Dsn | str) -> pymysql.connections.Connection:
    dsn = parse_dsn(dsn) if isinstance(dsn, str) else dsn
    try:
        return pymysql.connect(
            host=dsn.host, port=dsn.port, user=dsn.user, password=dsn.password, database=dsn.database,
            charset="utf8mb4", cursorclass=DictCursor, autocommit=False,
            connect_timeout=connect_timeout(), read_timeout=read_timeout(), write_timeout=read_timeout(),
            # rowcount = rows matched, not rows changed: an UPDATE to the same quantity still
            # proves the product exists.
            client_flag=CLIENT.FOUND_ROWS,
            **_tls(dsn),
        )
    except Exception as exc:  # PyMySQL raises its own errors and bare OSErrors
        raise map_error(exc, dsn) from exc


def _tls(dsn: Dsn) -> dict[str, Any]:
    """DSN option `ssl`: "preferred" (default: TLS when the server offers it), "required" (fail
    without TLS; add `ssl_ca=/path` to verify the server certificate) or "disabled"."""
    options = dict(dsn.options)
    mode = options.get("ssl", "preferred").lower()
    if mode == "disabled":
        return {"ssl_disabled": True}
    if mode == "required":
        ca = options.get("ssl_ca")
        return {"ssl_ca": ca, "ssl_verify_cert": True} if ca else {"ssl": {"check_hostname": False}}
    if mode != "preferred":
        raise PermanentError("The database address option ssl must be preferred, required or disabled.")
    return {}


@contextmanager
def connection(dsn: Dsn | str) -> Iterator[pymysql.connections.Connection]:
    """Open, yield, always close; any database error leaves mapped. Work is rolled back unless the
    caller committed."""
    parsed = parse_dsn(dsn) if isinstance(dsn, str) else dsn
    conn = open_connection(parsed)
    try:
        yield conn
    except PlatformError:
        _rollback(conn)
        raise
    except (pymysql.err.MySQLError, OSError) as exc:
        _rollback(conn)
        raise map_error(exc, parsed) from exc
    finally:
        try:
            conn.close()
        except Exception:  # already closed by a dropped connection
            logger.debug("closing an OpenCart database connection failed", exc_info=True)


def _rollback(conn: pymysql.connections.Connection) -> None:
    try:
        conn.rollback()
    except Exception:  # the connection is gone: nothing was committed anyway
        logger.debug("rollback on a broken OpenCart connection failed", exc_info=True)
