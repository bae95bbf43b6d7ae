"""Turn files into runs: walk folders, pick adapters, skip unchanged sources, read in parallel, low-level readers."""
