"""Secrets never live in the spec: only paths of files that hold them.

Runs before the schema so an inline secret is named as one, not as an unknown field. A message
names the field, never the value: the secret is not printed."""

from __future__ import annotations

import re
from urllib.parse import unquote

from compiler.loader import Document
from compiler.problems import Finding

# inline field -> the field that reads the secret from a file instead
SECRET_FIELDS = {
    "api_url": "api_url_file", "webhook_url": "api_url_file", "routing_key": "routing_key_file",
    "service_key": "routing_key_file", "integration_key": "routing_key_file",
    "auth_password": "auth_password_file", "password": "auth_password_file",
    "token": "credentials_file", "bearer_token": "credentials_file", "credentials": "credentials_file",
    "api_key": "credentials_file", "secret": "credentials_file",
}
# Any user part in a URL (`TOKEN@host`, `:password@host`), a credential-named query or fragment
# parameter, and the hosts whose webhook URL is itself the secret (Slack, Discord, Teams). Matched
# after percent-decoding, so `%73ervices` or `access%5Ftoken` is caught too.
_CREDENTIAL_IN_URL = re.compile(
    r"^[a-z][a-z0-9+.-]*://[^/?#\s]*@"
    r"|[?&#;](access_token|id_token|token|api_key|apikey|key|code|secret|password|passwd|pass|auth|sig|signature)=",
    re.IGNORECASE)
_WEBHOOK_IS_SECRET = re.compile(
    r"hooks\.slack\.com/(services|workflows|triggers)/|discord(app)?\.com/api/webhooks/"
    r"|webhook\.office\.com/|outlook\.office(365)?\.com/webhook", re.IGNORECASE)
_PARENT = re.compile(r"(^|/)\.\.(/|$)")
_MOUNTED = "/etc/alertmanager/secrets/<secret>/<key>"  # where prometheus-operator mounts a Secret's key


def check(document: Document) -> list[Finding]:
    problems: list[Finding] = []
    if isinstance(document.data, (dict, list)):
        _walk(document, document.data, (), problems)
    return problems


def _walk(document: Document, value: dict | list, path: tuple, problems: list[Finding]) -> None:
    # a mapping or list judges its own items: most are text, and a call and a path per item (193,000
    # at 10,000 indicators) cost more than the tests; a list's index is never a secret field's name
    for key, item in value.items() if isinstance(value, dict) else enumerate(value):
        if key in SECRET_FIELDS and item not in (None, ""):
            problems.append(document.problem(path + (key,), "inline secret: secrets must not be written in the spec",
                                             f"put it in a file mounted into Alertmanager and use '{SECRET_FIELDS[key]}'", key=True))
        elif isinstance(item, str):
            if str(key).endswith("_file") and _PARENT.search(item):
                problems.append(document.problem(path + (key,), "a secret file's path must not contain '..'",
                                                 f"write the absolute path of the mounted file itself, e.g. {_MOUNTED}"))
            elif _carries_credential(item):
                # in a *_file field the user chose the right field: what goes in it is what they miss
                hint = (f"'{key}' takes the absolute path of a file holding the secret, mounted into Alertmanager "
                        f"(e.g. {_MOUNTED}), not the secret itself" if str(key).endswith("_file")
                        else "keep the URL's secret part in a file ('api_url_file' or 'credentials_file')")
                problems.append(document.problem(path + (key,), "inline secret: this URL carries a credential", hint))
        elif isinstance(item, (dict, list)):
            _walk(document, item, path + (key,), problems)


def _carries_credential(text: str) -> bool:
    # each form above has a / (a URL) or an = (a parameter), or a % hiding one: most text has none
    if "/" not in text and "=" not in text and "%" not in text:
        return False
    for _ in range(3):  # %2573 is %73 is 's': a double encoding hides nothing either
        text, before = unquote(text), text
        if text == before:
            break
    return bool(_WEBHOOK_IS_SECRET.search(text) or _CREDENTIAL_IN_URL.search(text))
