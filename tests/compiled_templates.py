"""Templates compiled once per test session, not once per test app.

Each app has its own Jinja environment, so every test that renders a page compiled its templates
again: most of the time of a page's first request. Jinja checks each kept code against a hash of
the template's source, so an edited template is compiled afresh.
"""

from __future__ import annotations

from jinja2.bccache import Bucket, BytecodeCache


class SessionBytecodeCache(BytecodeCache):
    """Keep compiled templates in memory, shared by the apps of one test session."""

    def __init__(self) -> None:
        self._codes: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._codes.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._codes[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODES = SessionBytecodeCache()
