"""Allow `python -m resultsbook`."""

from resultsbook.cli import main

main()
