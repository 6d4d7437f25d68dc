"""`python -m cardgen` works like `cardgen`."""

from .cli import main

main()
