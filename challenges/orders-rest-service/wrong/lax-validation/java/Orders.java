import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Known-wrong: lax validation (any number passes as an integer, unknown fields are ignored). */
public final class Orders {
    static final Set<String> STATUSES = Set.of("pending", "paid", "cancelled");
    private static final Pattern CURSOR = Pattern.compile("after:(0|[1-9][0-9]{0,17})");

    static final class NotFound extends Exception {}

    static final class KeyReused extends Exception {}

    static final class InvalidTransition extends Exception {
        InvalidTransition(String from, String to) {
            super("A " + from + " order cannot become " + to + ".");
        }
    }

    /** A created order, or the replay of the order an idempotency key made. */
    record Created(Map<String, Object> order, boolean replayed) {}

    /** One page of orders and the cursor of the next one (null on the last page). */
    record Page(List<Map<String, Object>> items, String nextCursor) {}

    private record KeyRecord(Map<String, Object> body, long id) {}

    private final List<Map<String, Object>> orders = new ArrayList<>(); // index id-1
    private final Map<String, KeyRecord> keys = new HashMap<>();

    private static boolean isInt(Object value, long low, long high) {
        // The mistake: any Number passes, so 2.5 is taken for 2 and 1e3 for 1000.
        return value instanceof Number && ((Number) value).longValue() >= low && ((Number) value).longValue() <= high;
    }

    private static boolean isText(Object value, int longest) {
        if (!(value instanceof String)) {
            return false;
        }
        String s = (String) value;
        int n = s.codePointCount(0, s.length());
        return n >= 1 && n <= longest && !s.isBlank();
    }

    /** Return a message for every invalid field of a new order's body. */
    static Map<String, String> validateOrder(Map<String, Object> body) {
        Map<String, String> errors = new LinkedHashMap<>();
        // The mistake, again: unknown fields (id, status, ...) are silently ignored.
        if (!isText(body.get("customer"), 100)) {
            errors.put("customer", "must be a string of 1-100 characters, not only whitespace");
        }
        Object items = body.get("items");
        if (!(items instanceof List) || ((List<?>) items).isEmpty() || ((List<?>) items).size() > 100) {
            errors.put("items", "must be an array of 1-100 items");
            return errors;
        }
        List<?> entries = (List<?>) items;
        for (int i = 0; i < entries.size(); i++) {
            String at = "items[" + i + "]";
            if (!(entries.get(i) instanceof Map)) {
                errors.put(at, "must be an object");
                continue;
            }
            Map<?, ?> entry = (Map<?, ?>) entries.get(i);
            if (!isText(entry.get("sku"), 64)) {
                errors.put(at + ".sku", "must be a string of 1-64 characters, not only whitespace");
            }
            if (!isInt(entry.get("quantity"), 1, 1000)) {
                errors.put(at + ".quantity", "must be an integer from 1 to 1000");
            }
            if (!isInt(entry.get("unit_price_cents"), 0, 10_000_000)) {
                errors.put(at + ".unit_price_cents", "must be an integer from 0 to 10000000");
            }
        }
        return errors;
    }

    static String encodeCursor(long afterId) {
        byte[] raw = ("after:" + afterId).getBytes(StandardCharsets.US_ASCII);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    /** Return the id a cursor points after, or -1 if this service could not have issued it. */
    static long decodeCursor(String cursor) {
        try {
            String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.ISO_8859_1);
            Matcher match = CURSOR.matcher(raw);
            return match.matches() ? Long.parseLong(match.group(1)) : -1;
        } catch (IllegalArgumentException notBase64) {
            return -1;
        }
    }

    /** Create an order from a valid body; the lock covers lookup and insert, so retries racing on a key create one order. */
    synchronized Created create(Map<String, Object> body, String key) throws KeyReused {
        if (key != null && keys.containsKey(key)) {
            KeyRecord first = keys.get(key);
            if (!first.body().equals(body)) {
                throw new KeyReused();
            }
            return new Created(new LinkedHashMap<>(orders.get((int) first.id() - 1)), true);
        }
        List<Map<String, Object>> items = new ArrayList<>();
        long total = 0; // a long: 100 items x 1000 x 10 000 000 overflows an int
        for (Object raw : (List<?>) body.get("items")) {
            Map<?, ?> entry = (Map<?, ?>) raw;
            Map<String, Object> item = new LinkedHashMap<>();
            for (String field : List.of("sku", "quantity", "unit_price_cents")) {
                item.put(field, entry.get(field));
            }
            total += ((Number) entry.get("quantity")).longValue() * ((Number) entry.get("unit_price_cents")).longValue();
            items.add(item);
        }
        Map<String, Object> order = new LinkedHashMap<>();
        order.put("id", (long) orders.size() + 1);
        order.put("customer", body.get("customer"));
        order.put("items", items);
        order.put("total_cents", total);
        order.put("status", "pending");
        order.put("created_at", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString());
        orders.add(order);
        if (key != null) {
            keys.put(key, new KeyRecord(body, orders.size()));
        }
        return new Created(new LinkedHashMap<>(order), false);
    }

    synchronized Map<String, Object> get(long id) throws NotFound {
        if (id < 1 || id > orders.size()) {
            throw new NotFound();
        }
        return new LinkedHashMap<>(orders.get((int) id - 1));
    }

    /** Move a pending order to paid or cancelled; asking for its current status is a no-op. */
    synchronized Map<String, Object> setStatus(long id, String status) throws NotFound, InvalidTransition {
        get(id); // throws NotFound
        Map<String, Object> order = orders.get((int) id - 1);
        Object current = order.get("status");
        if (!current.equals(status)) {
            if (!current.equals("pending")) {
                throw new InvalidTransition((String) current, status);
            }
            order.put("status", status);
        }
        return new LinkedHashMap<>(order);
    }

    /** Return up to limit matching orders with ids above afterId. */
    synchronized Page page(int limit, long afterId, String customer, String status) {
        List<Map<String, Object>> found = new ArrayList<>();
        // One more than asked tells whether a next page exists.
        for (long i = afterId; i < orders.size() && found.size() <= limit; i++) {
            Map<String, Object> order = orders.get((int) i);
            if ((customer == null || customer.equals(order.get("customer")))
                    && (status == null || status.equals(order.get("status")))) {
                found.add(new LinkedHashMap<>(order));
            }
        }
        if (found.size() > limit) {
            return new Page(found.subList(0, limit), encodeCursor((Long) found.get(limit - 1).get("id")));
        }
        return new Page(found, null);
    }
}
