/**
 * The orders in memory (see statement.md): validation, idempotency keys, cursor pages.
 * The server runs handlers on a thread pool: guard shared state (synchronized, locks).
 */
final class Orders {
}
