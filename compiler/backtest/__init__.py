"""`indicators backtest`: would these rules have paged, and whom, over recorded history?

`history` says what the rules read and turns the engine's ALERTS samples into firing intervals;
`engine` runs the real rule engine (vmalert -replay) over a copy of the history; `notifications`
walks the generated Alertmanager config over those intervals; `report` is the Markdown or HTML
for people and the noise budget's verdict. Only `engine` touches the disk: a temporary folder of
its own, removed when the replay ends.
"""
