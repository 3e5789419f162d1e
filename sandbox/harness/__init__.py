"""The in-container harness: a tester that runs pytest and an agent that runs the candidate's code.

Both sides run from this package, in two containers that share only a loopback-only network
namespace: `python3 -I -m sandbox_harness` is the tester's supervisor (it holds the tests and
decides outcomes), `python3 -I -m sandbox_harness agent` the candidate's side (it holds only the
candidate's files). It imports the standard library, msgpack, and pytest in the tester, and must
never import anything from the `sandbox` package around it.
"""
