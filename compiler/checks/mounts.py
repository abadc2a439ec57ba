"""Files Alertmanager reads where prometheus-operator mounts them. With the kubernetes target the
Alertmanager runs under the operator, which mounts each Secret listed in the Alertmanager's
`spec.secrets` as a folder, /etc/alertmanager/secrets/<secret>/, holding a file per key (and
`spec.configMaps` likewise under /etc/alertmanager/configmaps/). A path one level below is that
folder itself: `amtool check-config` and the operator accept it, and every notification then
fails to read its key, so nobody is paged."""

from __future__ import annotations

from compiler.loader import Document
from compiler.problems import Finding
from compiler.spec_types import Spec

MOUNTS = {"/etc/alertmanager/secrets/": "secret", "/etc/alertmanager/configmaps/": "configMap"}  # folder -> what it holds


def check(document: Document, typed: Spec) -> list[Finding]:
    if not {"kubernetes", "alertmanager"} <= set(typed.output.targets):
        return []
    fields: list[tuple[tuple, str]] = []  # (path, the file written there)
    if typed.email is not None and typed.email.auth_password_file:
        fields.append((typed.email.path + ("auth_password_file",), typed.email.auth_password_file))
    for responder in typed.responders:
        fields += [(channel.path + (channel.kind, key), value) for channel in responder.channels
                   for key, value in channel.settings if key.endswith("_file") and isinstance(value, str)]
    found = []
    for path, file in fields:
        mount = next((mount for mount in MOUNTS if file.startswith(mount)), None)
        if mount is None or ".." in file.split("/"):  # elsewhere, or refused by the secrets check already
            continue
        if len([part for part in file[len(mount):].split("/") if part]) != 2 or file.endswith("/"):
            kind = MOUNTS[mount]
            found.append(document.problem(path, f"'{file}' is no file the operator mounts: it mounts each {kind} listed in the "
                                          f"Alertmanager's spec.{kind}s as the folder {mount}<name>/, a file per key",
                                          f"write {mount}<name>/<key>, e.g. {mount}alertmanager-receiver-keys/"
                                          f"{file.rstrip('/').rpartition('/')[2]}"))
    return found
