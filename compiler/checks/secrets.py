"""Secrets never live in the spec: only paths of files that hold them.

Runs before the schema so an inline secret is named as one, not as an unknown field."""

from __future__ import annotations

import re

from compiler.loader import Document
from compiler.problems import Problem

# inline field -> the field that reads the secret from a file instead
SECRET_FIELDS = {
    "api_url": "api_url_file", "webhook_url": "api_url_file", "routing_key": "routing_key_file",
    "service_key": "routing_key_file", "integration_key": "routing_key_file",
    "auth_password": "auth_password_file", "password": "auth_password_file",
    "token": "credentials_file", "bearer_token": "credentials_file", "credentials": "credentials_file",
    "api_key": "credentials_file", "secret": "credentials_file",
}
_CREDENTIAL_IN_URL = re.compile(r"^[a-z]+://[^/@\s]+:[^/@\s]+@|[?&](token|key|secret|password|sig)=", re.IGNORECASE)
_SLACK_WEBHOOK = re.compile(r"hooks\.slack\.com/services/", re.IGNORECASE)


def check(document: Document) -> list[Problem]:
    problems: list[Problem] = []
    _walk(document, document.data, (), problems)
    return problems


def _walk(document: Document, value: object, path: tuple, problems: list[Problem]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in SECRET_FIELDS and item not in (None, ""):
                problems.append(document.problem(path + (key,), "inline secret: secrets must not be written in the spec",
                                                 f"put it in a file mounted into Alertmanager and use '{SECRET_FIELDS[key]}'", key=True))
            else:
                _walk(document, item, path + (key,), problems)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(document, item, path + (index,), problems)
    elif isinstance(value, str) and (_SLACK_WEBHOOK.search(value) or _CREDENTIAL_IN_URL.search(value)):
        problems.append(document.problem(path, "inline secret: this URL carries a credential",
                                         "keep the URL's secret part in a file ('api_url_file' or 'credentials_file')"))
