"""`[labels]`: display names for param keys and values, used by every table and figure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from resultsbook.errors import SpecError
from resultsbook.render.layout import Labels
from resultsbook.spec.keys import check_keys, mapping_at

LABEL_KEYS = {
    "keys": '`[labels.keys]`: display names of param and metric keys, e.g. `"test/acc" = "Accuracy (%)"`',
    "values": '`[labels.values.KEY]`: display names of one key\'s values, e.g. `resnet18 = "ResNet-18"`',
}


def read_labels(entry: Mapping[str, Any], where: str) -> Labels:
    """Read `[labels.keys]` and `[labels.values.KEY]`."""
    check_keys(entry, LABEL_KEYS, where, "[labels]")
    keys = {str(k): str(v) for k, v in mapping_at(entry, "keys", where, "[labels]").items()}
    values = {}
    for key, mapping in mapping_at(entry, "values", where, "[labels]").items():
        if not isinstance(mapping, Mapping):
            raise SpecError(f"{where}: [labels.values.{key}] must map values to display names")
        values[str(key)] = {str(k): str(v) for k, v in mapping.items()}
    return Labels(keys=keys, values=values)
