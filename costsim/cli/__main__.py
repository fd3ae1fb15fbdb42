"""``python -m costsim.cli``: the same as the ``costsim`` command."""

from costsim.cli.app import main

main()
