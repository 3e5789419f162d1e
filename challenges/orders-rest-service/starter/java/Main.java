import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;

/** Orders REST service: start here (see statement.md). JDK only; Json.java reads and writes JSON. */
public final class Main {

    private static void send(HttpExchange exchange, int status, Object payload) throws IOException {
        byte[] data = Json.write(payload).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, data.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(data);
        }
    }

    private static void handle(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            in.readAllBytes(); // e.g. Json.parse(new String(bytes, StandardCharsets.UTF_8))
        }
        String path = exchange.getRequestURI().getRawPath();
        if (exchange.getRequestMethod().equals("GET") && path.equals("/health")) {
            send(exchange, 200, Map.of("status", "ok"));
            return;
        }
        // TODO: POST /orders, GET /orders, GET /orders/<id>, PATCH /orders/<id>.
        send(exchange, 501, Map.of("error", Map.of("code", "not_implemented", "message", "Not implemented yet.")));
    }

    public static void main(String[] args) throws IOException {
        // Headers and body are two writes; without this, each kept-alive response waits 40 ms.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 128);
        server.createContext("/", Main::handle);
        // The default executor serves one request at a time; the tests send concurrent requests,
        // so handlers run on several threads and shared state needs synchronisation.
        server.setExecutor(Executors.newFixedThreadPool(16));
        server.start();
    }
}
