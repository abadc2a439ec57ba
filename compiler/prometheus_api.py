"""A small client of the Prometheus HTTP API (/api/v1/query and /api/v1/query_range), for the
reports. Every failure is a `PrometheusError` with a message for people; the CLI turns it into
exit code 3. Credentials come from files or environment variables, never the command line."""

from __future__ import annotations

import base64
import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from compiler.reports.queries import Answer, Query, RangeQuery, Sample, Series


class PrometheusError(Exception):
    pass


@dataclass(frozen=True)
class Client:
    url: str  # e.g. http://prometheus:9090 (a path prefix such as /prometheus is kept)
    timeout: float = 30
    authorization: str | None = None  # the Authorization header's value

    def ask(self, query: Query | RangeQuery) -> Answer:
        if isinstance(query, Query):
            data = self._get("query", {"query": query.promql, "time": _seconds(query.at)})
            return [Sample(_labels(item["metric"]), float(item["value"][1])) for item in data["result"]]
        data = self._get("query_range", {"query": query.promql, "start": _seconds(query.start),
                                         "end": _seconds(query.end), "step": _seconds(query.step)})
        return [Series(_labels(item["metric"]), tuple((float(t), float(value)) for t, value in item["values"]))
                for item in data["result"]]

    def _get(self, endpoint: str, parameters: dict[str, str]) -> dict:
        address = f"{self.url.rstrip('/')}/api/v1/{endpoint}?{urllib.parse.urlencode(parameters)}"
        request = urllib.request.Request(address, headers={"Authorization": self.authorization} if self.authorization else {})
        where = f"{self.url}: {endpoint} {parameters['query']!r}"
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.load(response)
        except urllib.error.HTTPError as err:
            raise PrometheusError(f"{where}: HTTP {err.code} {err.reason}{_detail(err)}") from None
        except (socket.timeout, TimeoutError):
            raise PrometheusError(f"{self.url}: no answer within {self.timeout:g}s") from None
        except urllib.error.URLError as err:
            if isinstance(err.reason, (socket.timeout, TimeoutError)):
                raise PrometheusError(f"{self.url}: no answer within {self.timeout:g}s") from None
            raise PrometheusError(f"{self.url}: cannot connect: {err.reason}") from None
        except (ValueError, OSError) as err:
            raise PrometheusError(f"{where}: not a Prometheus API answer: {err}") from None
        if not isinstance(answer, dict) or answer.get("status") != "success":
            raise PrometheusError(f"{where}: {answer.get('error', answer) if isinstance(answer, dict) else answer}")
        return answer["data"]


def authorization(bearer_token: str | None, basic_auth: str | None) -> str | None:
    """The Authorization header from a bearer token or `user:password` (both already read)."""
    if bearer_token:
        return f"Bearer {bearer_token.strip()}"
    if basic_auth:
        return "Basic " + base64.b64encode(basic_auth.strip().encode()).decode()
    return None


def _detail(err: urllib.error.HTTPError) -> str:
    """Prometheus explains a 4xx/5xx in its JSON body's `error`."""
    try:
        return f": {json.load(err)['error']}"
    except (ValueError, KeyError, TypeError, OSError):
        return ""


def _labels(metric: dict) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(metric.items()))


def _seconds(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")
