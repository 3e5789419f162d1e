"""Run the supervisor: read the job from stdin, run the tests, print one framed record."""

from .supervisor import main

raise SystemExit(main())
