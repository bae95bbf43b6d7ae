"""Turn files into runs: walk folders, pick adapters, skip unchanged sources, read them in parallel."""
