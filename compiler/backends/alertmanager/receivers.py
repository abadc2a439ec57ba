"""Receivers: one per responder with its channels, plus the fallback. Secrets are read from
files only (`*_file`, `credentials_file`), so the config holds none and can be committed.

Messages are Go templates that Alertmanager fills from the alert's labels and annotations:
the level, indicator and owner labels; `summary`; `description` (which states the value and
the target); `runbook_url` and `dashboard_url`. Alertmanager renders the spec's own values in
them too (Slack `channel`, e-mail `to` and `from`), so a `{{` there is escaped, as in the rules,
and sent as written instead of failing the notification at send time."""

from __future__ import annotations

from compiler import conventions, present
from compiler.backends.alertmanager.routing import fallback_responders
from compiler.model import Channel, Spec

TITLE = ('[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] '
         '{{ .CommonLabels.level | title }}: {{ .CommonLabels.alertname }} ({{ .CommonLabels.owner }})')
# One block per alert: what, how bad, and where to act.
BODY = ('{{ range .Alerts }}{{ .Labels.level | title }} | {{ .Labels.indicator }} | owner {{ .Labels.owner }}'
        '{{ if eq .Status "resolved" }} | resolved{{ end }}\n'
        '{{ .Annotations.summary }}\n'
        '{{ .Annotations.description }}\n'
        'Runbook: {{ .Annotations.runbook_url }}\n'
        'Dashboard: {{ .Annotations.dashboard_url }}\n\n'
        '{{ end }}')
SLACK_BODY = ('{{ range .Alerts }}*{{ .Labels.level | title }}* `{{ .Labels.indicator }}` owner {{ .Labels.owner }}'
              '{{ if eq .Status "resolved" }} (resolved){{ end }}\n'
              '{{ .Annotations.summary }}\n'
              '{{ .Annotations.description }}\n'
              '<{{ .Annotations.runbook_url }}|Runbook> | <{{ .Annotations.dashboard_url }}|Dashboard>\n\n'
              '{{ end }}')
PAGERDUTY_DETAILS = {
    "level": "{{ .CommonLabels.level }}",
    "indicator": "{{ .CommonLabels.indicator }}",
    "owner": "{{ .CommonLabels.owner }}",
    "summary": "{{ .CommonAnnotations.summary }}",
    "description": "{{ .CommonAnnotations.description }}",
    "runbook": "{{ .CommonAnnotations.runbook_url }}",
    "dashboard": "{{ .CommonAnnotations.dashboard_url }}",
}  # Alertmanager adds its default firing, resolved, num_firing and num_resolved details
PAGERDUTY_SEVERITIES = ("critical", "error", "warning", "info")  # all PagerDuty's events API accepts
# A channel without its own severity sends the alerts' severity label, when PagerDuty accepts it;
# else Alertmanager's own default, error (an empty or unknown severity would be refused, page and all).
# Without it every page read "error". checks/pagerduty.py finds levels whose label PagerDuty refuses.
PAGERDUTY_SEVERITY = ('{{ if eq .CommonLabels.severity ' + " ".join(f'"{name}"' for name in PAGERDUTY_SEVERITIES)
                      + ' }}{{ .CommonLabels.severity }}{{ else }}error{{ end }}')


def receivers(spec: Spec) -> list[dict]:
    """The fallback first (the root route's), the silent one, then every responder in spec order."""
    fallback = [channel for responder in fallback_responders(spec) for channel in spec.responder(responder).channels]
    return [_receiver(conventions.FALLBACK_RECEIVER, fallback), {"name": conventions.SILENT_RECEIVER}] + [
        _receiver(conventions.receiver_name(responder.id), responder.channels) for responder in spec.responders
    ]


def global_settings(spec: Spec) -> dict:
    """SMTP for the e-mail channels; the password from a file."""
    if spec.email is None:
        return {}
    settings: dict[str, object] = {"smtp_from": present.template_literal(spec.email.sender), "smtp_smarthost": spec.email.smarthost}
    if spec.email.auth_username:
        settings["smtp_auth_username"] = spec.email.auth_username
    if spec.email.auth_password_file:
        settings["smtp_auth_password_file"] = spec.email.auth_password_file
    settings["smtp_require_tls"] = spec.email.require_tls
    return settings


def _receiver(name: str, channels) -> dict:
    receiver: dict = {"name": name}
    for channel in channels:
        receiver.setdefault(f"{channel.kind}_configs", []).append(_config(channel))
    return receiver


def _config(channel: Channel) -> dict:
    settings = dict(channel.settings)
    if channel.kind == "slack":
        return {"send_resolved": True, "api_url_file": settings["api_url_file"], "channel": present.template_literal(str(settings["channel"])),
                "title": TITLE, "title_link": "{{ .CommonAnnotations.dashboard_url }}", "text": SLACK_BODY}
    if channel.kind == "pagerduty":
        config = {"send_resolved": True, "routing_key_file": settings["routing_key_file"], "description": TITLE,
                  "details": PAGERDUTY_DETAILS}
        config["severity"] = settings.get("severity", PAGERDUTY_SEVERITY)
        return config
    if channel.kind == "email":
        # html empty: Alertmanager's default HTML part is what mail clients show, not this body
        return {"send_resolved": True, "to": present.template_literal(str(settings["to"])), "headers": {"Subject": TITLE},
                "html": "", "text": BODY}
    config = {"send_resolved": True, "url": settings["url"]}
    if "max_alerts" in settings:
        config["max_alerts"] = settings["max_alerts"]
    if "credentials_file" in settings:
        config["http_config"] = {"authorization": {"credentials_file": settings["credentials_file"]}}
    return config
