package org.postroom.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.postroom.config.Settings;
import org.postroom.engine.EngineServices;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The admin HTTP endpoint on {@code admin.bind}:{@code admin.port}: {@code GET /metrics} (Prometheus
 * text format), {@code GET /status} (the same figures and more as JSON), and {@code GET /} the status
 * page (HTML, CSS and JS from the jar's {@code admin/} resources; it polls {@code /status}). Runs on the JDK's HTTP
 * server with two daemon threads; it reads thread-safe snapshots, and the routes added with
 * {@link #onRoute} ({@code /queue}, {@code /hosts}: {@link QueueRoutes}) ask an actor with a timeout and
 * wait for the answer on the admin thread, never inside an actor.
 */
public final class AdminServer {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final HttpServer server;
    private final ExecutorService executor;
    private final EngineServices services;

    private AdminServer(HttpServer server, ExecutorService executor, EngineServices services) {
        this.server = server;
        this.executor = executor;
        this.services = services;
    }

    public static AdminServer start(Settings.AdminSettings settings, EngineServices services) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(settings.bind(), settings.port()), 64);
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "postroom-admin");
            t.setDaemon(true);
            return t;
        });
        AdminServer admin = new AdminServer(server, executor, services);
        server.setExecutor(executor);
        server.createContext("/metrics", admin::metrics);
        server.createContext("/status", admin::status);
        server.createContext("/reload", admin::reload);
        server.createContext("/", admin::page);
        server.start();
        return admin;
    }

    /** An admin action: returns the JSON answer (POST /reload throws ConfigError for a bad config). */
    public interface JsonAction {
        Map<String, Object> run();
    }

    private volatile JsonAction reloadAction;

    /** Registers a POST endpoint that runs {@code action} and answers its result as JSON. */
    public void onAction(String path, JsonAction action) {
        server.createContext(path, ex -> {
            if (!ex.getRequestMethod().equals("POST")) {
                respond(ex, 405, "text/plain", "use POST\n");
                return;
            }
            try {
                respond(ex, 200, "application/json", JSON.writeValueAsString(action.run()) + "\n");
            } catch (RuntimeException e) {
                respond(ex, 500, "application/json",
                        JSON.writeValueAsString(Map.of("error", String.valueOf(e.getMessage()))) + "\n");
            }
        });
    }

    /** The answer of a {@link Route}: an HTTP status and a JSON body (maps, lists, strings, numbers). */
    public record JsonResponse(int status, Object body) {
        public static JsonResponse ok(Object body) {
            return new JsonResponse(200, body);
        }

        public static JsonResponse error(int status, String message) {
            return new JsonResponse(status, Map.of("error", message));
        }
    }

    /**
     * A JSON endpoint under a path prefix ({@code /queue}: {@code /queue}, {@code /queue/ID}, ...), any
     * method. {@code path} is the request path, {@code query} its decoded parameters. May wait (bounded)
     * for an actor's answer: it runs on the admin server's own threads.
     */
    public interface Route {
        JsonResponse handle(String method, String path, Map<String, String> query);
    }

    /** Registers {@code route} for {@code prefix} and every path below it ({@code prefix + "/..."}). */
    public void onRoute(String prefix, Route route) {
        server.createContext(prefix, ex -> {
            String path = ex.getRequestURI().getPath();
            if (!path.equals(prefix) && !path.startsWith(prefix + "/")) {
                respond(ex, 404, "application/json", "{\"error\":\"not found\"}\n");
                return;
            }
            JsonResponse r;
            try {
                r = route.handle(ex.getRequestMethod(), path, query(ex.getRequestURI().getRawQuery()));
            } catch (RuntimeException e) {
                r = JsonResponse.error(500, String.valueOf(e.getMessage()));
            }
            respond(ex, r.status(), "application/json", JSON.writeValueAsString(r.body()) + "\n");
        });
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String part : raw.split("&")) {
            int eq = part.indexOf('=');
            String k = eq < 0 ? part : part.substring(0, eq);
            String v = eq < 0 ? "" : part.substring(eq + 1);
            out.put(java.net.URLDecoder.decode(k, StandardCharsets.UTF_8), java.net.URLDecoder.decode(v, StandardCharsets.UTF_8));
        }
        return out;
    }

    public void onReload(JsonAction action) {
        this.reloadAction = action;
    }

    private void reload(HttpExchange ex) throws IOException {
        if (!ex.getRequestMethod().equals("POST")) {
            respond(ex, 405, "text/plain", "use POST\n");
            return;
        }
        JsonAction action = reloadAction;
        if (action == null) {
            respond(ex, 503, "application/json", "{\"error\":\"reload not available\"}\n");
            return;
        }
        try {
            respond(ex, 200, "application/json", JSON.writeValueAsString(action.run()) + "\n");
        } catch (org.postroom.config.ConfigError e) {
            respond(ex, 400, "application/json", JSON.writeValueAsString(Map.of("error", e.getMessage())) + "\n");
        } catch (RuntimeException e) {
            respond(ex, 500, "application/json", JSON.writeValueAsString(Map.of("error", String.valueOf(e.getMessage()))) + "\n");
        }
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    public void stop() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void metrics(HttpExchange ex) throws IOException {
        if (!ex.getRequestMethod().equals("GET")) {
            respond(ex, 405, "text/plain", "method not allowed\n");
            return;
        }
        respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", services.metrics().scrape());
    }

    private void status(HttpExchange ex) throws IOException {
        if (!ex.getRequestMethod().equals("GET")) {
            respond(ex, 405, "text/plain", "method not allowed\n");
            return;
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("hostname", services.settings().hostname());
        doc.putAll(services.metrics().status());
        respond(ex, 200, "application/json", JSON.writeValueAsString(doc) + "\n");
    }

    /**
     * The status page's files: request path → (resource, content type). Anything else is 404. (Not
     * under /status...: the JDK server matches contexts by string prefix.)
     */
    private static final Map<String, String[]> PAGE_FILES = Map.of(
            "/", new String[]{"admin/index.html", "text/html; charset=utf-8"},
            "/index.html", new String[]{"admin/index.html", "text/html; charset=utf-8"},
            "/assets/page.js", new String[]{"admin/page.js", "text/javascript; charset=utf-8"},
            "/assets/page.css", new String[]{"admin/page.css", "text/css; charset=utf-8"});

    private void page(HttpExchange ex) throws IOException {
        String[] file = PAGE_FILES.get(ex.getRequestURI().getPath());
        if (file == null) {
            respond(ex, 404, "text/plain", "not found\n");
            return;
        }
        if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
            respond(ex, 405, "text/plain", "method not allowed\n");
            return;
        }
        byte[] bytes;
        try (var in = AdminServer.class.getClassLoader().getResourceAsStream(file[0])) {
            if (in == null) {
                respond(ex, 404, "text/plain", "not found\n");
                return;
            }
            bytes = in.readAllBytes();
        }
        ex.getResponseHeaders().set("Content-Type", file[1]);
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        // Everything the page needs comes from here; nothing inline, nothing from elsewhere.
        ex.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:");
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(200, -1);
            ex.close();
            return;
        }
        ex.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void respond(HttpExchange ex, int code, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
