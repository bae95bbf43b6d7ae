"""Allow `python -m resultsbook`."""

from resultsbook.console import main

main()
