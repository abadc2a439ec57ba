"""An indicator's tracking labels add to the global labels, which every aggregation keeps
first (conventions.tracking): a track_by entry that names a global label again would be kept
twice, `avg by (cluster, cluster, node_pool)`, and the indicator's own generated tests fail."""

from __future__ import annotations

from compiler.loader import Document
from compiler.problems import Finding
from compiler.spec_types import Spec


def check(document: Document, typed: Spec) -> list[Finding]:
    global_labels = typed.defaults.global_labels
    return [document.problem(indicator.path + ("track_by", position),
                             f"'{label}' is a global label, which every aggregation keeps already",
                             "drop it from track_by")
            for indicator in typed.indicators for position, label in enumerate(indicator.track_by) if label in global_labels]
