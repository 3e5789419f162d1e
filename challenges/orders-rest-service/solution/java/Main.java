import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;

/** Orders REST service on the JDK's built-in HTTP server. */
public final class Main {
    // A body larger than this is refused: a client cannot make the server buffer gigabytes.
    private static final int MAX_BODY = 1 << 20;
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern ID = Pattern.compile("[1-9][0-9]{0,17}");
    private static final Pattern LIMIT = Pattern.compile("[0-9]{1,3}");
    private static final Map<String, List<String>> ROUTES =
            Map.of("health", List.of("GET"), "orders", List.of("GET", "POST"), "order", List.of("GET", "PATCH"));

    private final Orders orders = new Orders();

    /** An error response: status, code, message and, for validation, the fields. */
    static final class ApiError extends Exception {
        final int status;
        final String code;
        final Map<String, String> fields;

        ApiError(int status, String code, String message, Map<String, String> fields) {
            super(message);
            this.status = status;
            this.code = code;
            this.fields = fields;
        }

        ApiError(int status, String code, String message) {
            this(status, code, message, null);
        }
    }

    record Response(int status, Object body, Map<String, String> headers) {}

    private static void requireJson(HttpExchange exchange) throws ApiError {
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.split(";")[0].trim().equalsIgnoreCase("application/json")) {
            throw new ApiError(415, "unsupported_media_type", "Send the body as application/json.");
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parseObject(byte[] raw) throws ApiError {
        Object value;
        try {
            value = Json.parse(new String(raw, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, "bad_request", "The body is not valid JSON.");
        }
        if (!(value instanceof Map)) {
            throw new ApiError(400, "bad_request", "The body must be a JSON object.");
        }
        return (Map<String, Object>) value;
    }

    private static ApiError invalid(Map<String, String> fields) {
        return new ApiError(422, "validation_error", "Some fields are invalid.", fields);
    }

    private Response create(HttpExchange exchange, byte[] raw) throws ApiError {
        requireJson(exchange);
        String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
        if (key != null && !KEY.matcher(key).matches()) {
            throw new ApiError(400, "invalid_idempotency_key", "Idempotency-Key must be 1-64 of A-Z a-z 0-9 _ -.");
        }
        Map<String, Object> body = parseObject(raw);
        Map<String, String> errors = Orders.validateOrder(body);
        if (!errors.isEmpty()) {
            throw invalid(errors);
        }
        Orders.Created created;
        try {
            created = orders.create(body, key);
        } catch (Orders.KeyReused e) {
            throw new ApiError(422, "idempotency_key_reused", "This Idempotency-Key was used with another body.");
        }
        Map<String, String> headers = new HashMap<>();
        headers.put("Location", "/orders/" + created.order().get("id"));
        if (created.replayed()) {
            headers.put("Idempotent-Replayed", "true");
            return new Response(200, created.order(), headers);
        }
        return new Response(201, created.order(), headers);
    }

    private Response patch(HttpExchange exchange, byte[] raw, long id) throws ApiError, Orders.NotFound {
        requireJson(exchange);
        Map<String, Object> body = parseObject(raw);
        Map<String, String> errors = new LinkedHashMap<>();
        for (String name : body.keySet()) {
            if (!name.equals("status")) {
                errors.put(name, "is not a known field");
            }
        }
        Object status = body.get("status");
        if (!"paid".equals(status) && !"cancelled".equals(status)) {
            errors.put("status", "must be \"paid\" or \"cancelled\"");
        }
        if (!errors.isEmpty()) {
            throw invalid(errors);
        }
        try {
            return new Response(200, orders.setStatus(id, (String) status), Map.of());
        } catch (Orders.InvalidTransition e) {
            throw new ApiError(409, "invalid_transition", e.getMessage());
        }
    }

    private static Map<String, String> query(String raw) throws ApiError {
        Map<String, String> params = new HashMap<>();
        if (raw == null) {
            return params;
        }
        try {
            for (String pair : raw.split("&")) {
                String[] kv = pair.split("=", 2);
                String name = URLDecoder.decode(kv[0], StandardCharsets.UTF_8);
                params.putIfAbsent(name, kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
            }
        } catch (IllegalArgumentException badEscape) {
            throw new ApiError(400, "bad_request", "The query string is malformed.");
        }
        return params;
    }

    private Response list(HttpExchange exchange) throws ApiError {
        Map<String, String> params = query(exchange.getRequestURI().getRawQuery());
        int limit = 20;
        if (params.containsKey("limit")) {
            String text = params.get("limit");
            limit = LIMIT.matcher(text).matches() ? Integer.parseInt(text) : 0;
            if (limit < 1 || limit > 100) {
                throw new ApiError(400, "bad_request", "limit must be an integer from 1 to 100.");
            }
        }
        String status = params.get("status");
        if (status != null && !Orders.STATUSES.contains(status)) {
            throw new ApiError(400, "bad_request", "status must be pending, paid or cancelled.");
        }
        long afterId = 0;
        if (params.containsKey("cursor")) {
            afterId = Orders.decodeCursor(params.get("cursor"));
            if (afterId < 0) {
                throw new ApiError(400, "bad_request", "cursor is not one this service issued.");
            }
        }
        Orders.Page page = orders.page(limit, afterId, params.get("customer"), status);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("items", page.items());
        body.put("next_cursor", page.nextCursor());
        return new Response(200, body, Map.of());
    }

    private Response route(HttpExchange exchange, byte[] raw) throws ApiError {
        String path = exchange.getRequestURI().getRawPath();
        String method = exchange.getRequestMethod();
        String[] parts = path.split("/", -1);
        String name;
        if (path.equals("/health")) {
            name = "health";
        } else if (path.equals("/orders")) {
            name = "orders";
        } else if (parts.length == 3 && parts[1].equals("orders")) {
            name = "order";
        } else {
            throw new ApiError(404, "not_found", "No such resource.");
        }
        if (!ROUTES.get(name).contains(method)) {
            throw new ApiError(405, "method_not_allowed", method + " is not supported here.");
        }
        if (name.equals("health")) {
            return new Response(200, Map.of("status", "ok"), Map.of());
        } else if (name.equals("orders")) {
            return method.equals("GET") ? list(exchange) : create(exchange, raw);
        }
        try {
            if (!ID.matcher(parts[2]).matches()) {
                throw new Orders.NotFound();
            }
            long id = Long.parseLong(parts[2]);
            Map<String, Object> order = orders.get(id); // a missing order is 404 whatever the body
            return method.equals("GET") ? new Response(200, order, Map.of()) : patch(exchange, raw, id);
        } catch (Orders.NotFound e) {
            throw new ApiError(404, "not_found", "No such order.");
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        Response response;
        try (InputStream in = exchange.getRequestBody()) {
            byte[] raw = in.readNBytes(MAX_BODY + 1);
            if (raw.length > MAX_BODY) {
                throw new ApiError(413, "payload_too_large", "The body is too large.");
            }
            response = route(exchange, raw);
        } catch (ApiError e) {
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("code", e.code);
            error.put("message", e.getMessage());
            if (e.fields != null) {
                error.put("fields", e.fields);
            }
            response = new Response(e.status, Map.of("error", error), Map.of());
        } catch (RuntimeException e) {
            e.printStackTrace();
            Map<String, Object> error = Map.of("code", "internal_error", "message", "Something went wrong.");
            response = new Response(500, Map.of("error", error), Map.of());
        }
        byte[] data = Json.write(response.body()).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        response.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
        exchange.sendResponseHeaders(response.status(), data.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(data);
        }
    }

    public static void main(String[] args) throws IOException {
        // Headers and body go out in two writes; with Nagle's algorithm on, the second waits for
        // the client's delayed ACK (40 ms) on every kept-alive response.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 128);
        Main app = new Main();
        server.createContext("/", app::handle);
        // The default executor serves one request at a time; concurrent clients need threads.
        server.setExecutor(Executors.newFixedThreadPool(16));
        server.start();
    }
}
