"""Keep outputs true: check, watch, status (what is missing before the deadline), explain."""
