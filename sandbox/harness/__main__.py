"""Run the tester's supervisor, or with `agent` the candidate's side, from stdin."""

import sys

if sys.argv[1:2] == ["agent"]:
    from .agent import main
else:
    from .supervisor import main

raise SystemExit(main())
