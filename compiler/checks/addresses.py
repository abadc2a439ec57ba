"""E-mail addresses Alertmanager can send to: it renders `to` and `from` as templates and then
parses them with Go's net/mail, and an address that parser refuses fails the notification at
send time, after `validate` and `amtool check-config` have passed. Each address, comma
separated in `to`, is `local@domain` or `Display Name <local@domain>`: no quotes or specials in
the name, no spaces in the address (`am+{{ .Status }}@example.com` fails with "no angle-addr";
braces alone are RFC 5322 atext and pass)."""

from __future__ import annotations

import re

from compiler.loader import Document
from compiler.problems import Finding
from compiler.spec_types import Spec

ADDRESS = r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?"
MAILBOX = re.compile(rf"{ADDRESS}|[A-Za-z0-9 ._'-]*<{ADDRESS}>")
HINT = "write local@domain or Name <local@domain>, several separated by commas"


def check(document: Document, typed: Spec) -> list[Finding]:
    fields: list[tuple[tuple, list[str]]] = []  # (path, the addresses written there)
    if typed.email is not None:
        fields.append((typed.email.path + ("from",), [typed.email.sender]))
    for responder in typed.responders:
        fields += [(channel.path + ("email", "to"), dict(channel.settings)["to"].split(","))
                   for channel in responder.channels if channel.kind == "email"]
    return [document.problem(path, f"'{mailbox.strip()}' is not an e-mail address Alertmanager can send to", HINT)
            for path, mailboxes in fields for mailbox in mailboxes if not MAILBOX.fullmatch(mailbox.strip())]
