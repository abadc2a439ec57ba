"""A small client of the Prometheus HTTP API (/api/v1/query, /api/v1/query_range and the
/api/v1/status pages), for the reports, the backtest and `verify --prometheus`. Every failure
is a `PrometheusError` with a message for people; the CLI turns it into exit code 3.
Credentials come from files or environment variables, never the command line, and reach no host
but the configured one: redirects to another origin are refused, and every message has the
credentials blanked out.

A hostile or broken server cannot hold a report hostage: `timeout` bounds each query's whole
time (a timer shuts the socket down, which also ends a server dripping one byte at a time), and
the answers of one client together are at most `MAX_ANSWER_BYTES`, counted while they are read.
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request

from compiler.reports.queries import Answer, Query, RangeQuery, RawQuery, Sample, Series

MAX_ANSWER_BYTES = 64 * 1024 * 1024  # every answer of one report together
_MAX_SHOWN = 300  # characters of a server's own explanation that a message quotes


class PrometheusError(Exception):
    pass


class NotFound(PrometheusError):
    """HTTP 404: the server has no such endpoint (a query API without Prometheus' status pages)."""


class BadSetting(ValueError):
    """A URL or credential that cannot be used: bad usage, before anything is sent."""


def check_url(url: str) -> str:
    """The --prometheus URL, or BadSetting. Credentials in it would show in process lists and
    shell history, so a URL with `user@` or `user:password@` is refused without being echoed."""
    if "@" in url.partition("?")[0].partition("#")[0]:
        raise BadSetting(f"--prometheus {_without_userinfo(url)!r}: credentials do not belong in the URL; "
                         "use --bearer-token-file or --basic-auth-file")
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 (a bad port or IPv6 literal raises here)
    except ValueError as err:
        raise BadSetting(f"--prometheus {url!r}: not a URL: {err}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadSetting(f"--prometheus {url!r}: expected an http:// or https:// URL")
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        raise BadSetting(f"--prometheus {parts.scheme}://{parts.netloc}{parts.path}: expected a base URL, "
                         "without ?query or #fragment (which would also be printed in messages)")
    if any(not character.isprintable() for character in url):
        raise BadSetting(f"--prometheus {url!r}: holds a control character")
    return url


def _without_userinfo(url: str) -> str:
    """The URL with everything up to its last `@` blanked: a password may hold a raw `/` or `:`."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://***@{rest.rpartition('@')[2]}"


def check_credential(text: str, kind: str) -> str:
    """A token or user:password as read from its file (one trailing newline allowed), or
    BadSetting: a line break would let it add HTTP headers of its own."""
    credential = text.strip()
    if any(not (" " <= character <= "~") for character in credential):
        raise BadSetting(f"the {kind} holds a line break, a control or a non-ASCII character; "
                         "write it on one line of printable ASCII")
    return credential


def authorization(bearer_token: str | None, basic_auth: str | None) -> str | None:
    """The Authorization header from a bearer token or `user:password` (both checked)."""
    if bearer_token:
        return f"Bearer {bearer_token}"
    if basic_auth:
        return "Basic " + base64.b64encode(basic_auth.encode()).decode()
    return None


class Client:
    """Not a frozen value: it counts the answer bytes it has read against MAX_ANSWER_BYTES."""

    def __init__(self, url: str, timeout: float = 30, authorization: str | None = None,
                 max_answer_bytes: int = MAX_ANSWER_BYTES):
        self.url = url  # e.g. http://prometheus:9090 (a path prefix such as /prometheus is kept)
        self.timeout = timeout
        self.authorization = authorization  # the Authorization header's value
        self.limit = self.left = max_answer_bytes
        self._secrets = _secrets(authorization)

    def ask(self, query: Query | RangeQuery | RawQuery) -> Answer:
        if isinstance(query, Query):
            return self._get("query", {"query": query.promql, "time": _seconds(query.at)}, "vector",
                             lambda item: Sample(_labels(item["metric"]), float(item["value"][1])))
        if isinstance(query, RawQuery):  # a range selector includes its start: dropped, so days do not overlap
            window = f"{query.selector}[{round((query.end - query.start) * 1000)}ms]"
            return self._get("query", {"query": window, "time": _seconds(query.end)}, "matrix",
                             lambda item: Series(_labels(item["metric"]), tuple(
                                 (float(t), float(v)) for t, v in item["values"] if float(t) > query.start)))
        return self._get("query_range", {"query": query.promql, "start": _seconds(query.start), "end": _seconds(query.end),
                                         "step": _seconds(query.step)}, "matrix",
                         lambda item: Series(_labels(item["metric"]), tuple((float(t), float(v)) for t, v in item["values"])))

    def status(self, page: str) -> dict[str, str]:
        """One of the server's status pages (/api/v1/status/flags, .../runtimeinfo), each value
        as text; NotFound when the server has no such page."""
        where = f"{self.url}: status/{page}"
        body = self._read(f"status/{page}", {}, where)
        try:
            answer = json.loads(body)
            if not isinstance(answer, dict) or answer.get("status") != "success":
                raise _Answer(str(answer.get("error", answer) if isinstance(answer, dict) else answer)[:_MAX_SHOWN])
            return {str(name): str(value) for name, value in answer["data"].items()}
        except _Answer as err:
            raise PrometheusError(self._shown(f"{where}: {err}")) from None
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as err:
            raise PrometheusError(self._shown(f"{where}: not a Prometheus API answer ({page} expected): "
                                              f"{type(err).__name__} {err}"[:len(where) + 2 * _MAX_SHOWN])) from None

    def _get(self, endpoint: str, parameters: dict[str, str], kind: str, parse) -> Answer:
        where = f"{self.url}: {endpoint} {parameters['query']!r}"
        body = self._read(endpoint, parameters, where)
        try:
            return [parse(item) for item in _result(json.loads(body), kind)]
        except _Answer as err:
            raise PrometheusError(self._shown(f"{where}: {err}")) from None
        except (ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError) as err:
            raise PrometheusError(self._shown(f"{where}: not a Prometheus API answer ({kind} expected): "
                                              f"{type(err).__name__} {err}"[:len(where) + 2 * _MAX_SHOWN])) from None

    def _read(self, endpoint: str, parameters: dict[str, str], where: str) -> bytes:
        query = f"?{urllib.parse.urlencode(parameters)}" if parameters else ""
        address = f"{self.url.rstrip('/')}/api/v1/{endpoint}{query}"
        request = urllib.request.Request(address, headers={"Authorization": self.authorization} if self.authorization else {})
        deadline = _Deadline(self.timeout)
        opener = urllib.request.build_opener(_SameOrigin(), _HTTP(deadline), _HTTPS(deadline))
        body = bytearray()
        try:
            with deadline, opener.open(request, timeout=self.timeout) as response:
                while chunk := response.read(65536):
                    body += chunk
                    if len(body) > self.left:
                        raise _TooLarge()
        except _TooLarge:
            raise PrometheusError(f"{where}: the answers are over {self.limit} bytes in all; "
                                  "read fewer series (--where)") from None
        except _Redirected as err:
            raise PrometheusError(self._shown(f"{where}: redirected to {err}, another origin: not followed, "
                                              f"so credentials go to {self.url} only")) from None
        except urllib.error.HTTPError as err:
            if deadline.expired:
                raise self._timed_out() from None
            failed = NotFound if err.code == 404 else PrometheusError
            raise failed(self._shown(f"{where}: HTTP {err.code} {err.reason}{_detail(err)}")) from None
        except (OSError, http.client.HTTPException) as err:  # URLError, socket.timeout and resets are OSErrors
            if deadline.expired or isinstance(err, TimeoutError) or isinstance(getattr(err, "reason", None), TimeoutError):
                raise self._timed_out() from None
            if isinstance(err, urllib.error.URLError):
                raise PrometheusError(self._shown(f"{self.url}: cannot connect: {err.reason}")) from None
            raise PrometheusError(self._shown(f"{where}: not an HTTP answer: {type(err).__name__} {err}"[:len(where) + _MAX_SHOWN])) from None
        if deadline.expired:  # the timer ended the body early: what was read is not the answer
            raise self._timed_out()
        self.left -= len(body)
        return bytes(body)

    def _timed_out(self) -> PrometheusError:
        return PrometheusError(f"{self.url}: no answer within {self.timeout:g}s")

    def _shown(self, message: str) -> str:
        """A message without credentials, control characters or a server's essay."""
        for secret in self._secrets:
            message = message.replace(secret, "***")
        return "".join(character if character.isprintable() else " " for character in message)


def _secrets(header: str | None) -> tuple[str, ...]:
    """What must never be printed: the token, or the encoded and decoded user:password and the password."""
    if not header:
        return ()
    scheme, _, value = header.partition(" ")
    if scheme != "Basic":
        return (value,)
    decoded = base64.b64decode(value).decode()
    return tuple(secret for secret in (value, decoded, decoded.partition(":")[2]) if secret)


class _Answer(Exception):
    """The server answered, but not with a successful result of the expected type."""


class _TooLarge(Exception):
    pass


class _Redirected(Exception):
    pass


def _result(answer, kind: str) -> list:
    if not isinstance(answer, dict) or answer.get("status") != "success":
        error = answer.get("error", answer) if isinstance(answer, dict) else answer
        raise _Answer(str(error)[:_MAX_SHOWN])
    data = answer["data"]
    if data["resultType"] != kind:
        raise _Answer(f"a {str(data['resultType'])[:_MAX_SHOWN]!r} answer, where a {kind} was expected")
    if not isinstance(data["result"], list):
        raise TypeError("data.result is not a list")
    return data["result"]


def _origin(url: str) -> tuple:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme, parts.hostname, parts.port or {"http": 80, "https": 443}.get(parts.scheme)


class _SameOrigin(urllib.request.HTTPRedirectHandler):
    """urllib's own handler copies every header, Authorization included, to whatever host a
    redirect names; this one follows a redirect only within the origin (scheme, host and port)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if _origin(newurl) != _origin(req.full_url):
            scheme, host, port = _origin(newurl)
            raise _Redirected(f"{scheme}://{host}:{port}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _Deadline:
    """A query's whole time: when it runs out, a timer shuts the query's sockets down, which
    wakes a read that a server sending one byte per second would otherwise keep alive forever
    (the socket timeout only bounds the wait for each byte)."""

    def __init__(self, seconds: float):
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc):
        self._timer.cancel()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:  # the plain socket's shutdown, also for TLS: SSLSocket.shutdown would drop its state under the reader
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


def _watched(base: type, deadline: _Deadline) -> type:
    class Connection(base):
        def connect(self):
            super().connect()
            deadline.watch(self.sock)

    return Connection


class _HTTP(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline):
        super().__init__()
        self.deadline = deadline

    def http_open(self, req):
        return self.do_open(_watched(http.client.HTTPConnection, self.deadline), req)


class _HTTPS(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline):
        super().__init__()
        self.deadline = deadline

    def https_open(self, req):
        return self.do_open(_watched(http.client.HTTPSConnection, self.deadline), req, context=self._context)


def _detail(err: urllib.error.HTTPError) -> str:
    """Prometheus explains a 4xx/5xx in its JSON body's `error` (read up to 64 KiB)."""
    try:
        return f": {str(json.loads(err.read(65536))['error'])[:_MAX_SHOWN]}"
    except (ValueError, KeyError, TypeError, OSError, RecursionError, http.client.HTTPException):
        return ""


def _labels(metric: dict) -> tuple[tuple[str, str], ...]:
    if not all(isinstance(name, str) and isinstance(value, str) for name, value in metric.items()):
        raise TypeError("a series' labels are not all strings")
    return tuple(sorted(metric.items()))


def _seconds(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")
