"""The in-container harness: a trusted supervisor that runs pytest in a child and reports once.

This package runs inside the sandbox image as `python3 -I -m sandbox_harness` (and on the host,
under the fake backend, as `sandbox.harness`). It imports only the standard library, and pytest in
the child, so it must never import anything from the `sandbox` package around it.
"""
