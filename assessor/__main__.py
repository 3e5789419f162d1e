"""Allow `python -m assessor ...` (the embedded worker starts itself this way)."""

from assessor.cli import main

main()
