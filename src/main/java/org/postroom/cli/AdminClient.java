package org.postroom.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.postroom.Main;
import org.postroom.config.ConfigError;
import org.postroom.config.ConfigLoader;
import org.postroom.config.Settings;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How the operator commands ({@code queue ...}, {@code hosts ...}) talk to a running engine: the admin
 * address comes from the config ({@code --config FILE}, as for {@code status}), the answer is JSON.
 * Exit codes: 0 done, 1 not found or no engine answering, 2 a config error or input the engine refused
 * as bad (HTTP 400: a refused reload, a bad {@code queue list} filter).
 */
public final class AdminClient {
    static final ObjectMapper JSON = new ObjectMapper();

    /** The {@code --config} option every operator command takes (mixed in). */
    public static final class ConfigOption {
        @Option(names = "--config", paramLabel = "FILE", description = "Config file naming the admin address")
        Path config;
    }

    /** An answer from the engine: the HTTP status and the parsed JSON body. */
    record Answer(int status, JsonNode body) {
        boolean ok() {
            return status == 200;
        }

        String error() {
            return body.path("error").asText("HTTP " + status);
        }
    }

    /** Thrown with the exit code and the line for stderr. */
    static final class Failure extends Exception {
        final int exitCode;

        Failure(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }
    }

    private AdminClient() {
    }

    static Answer call(Path config, String method, String path) throws Failure {
        return endpoint(config).call(method, path);
    }

    /** The engine's admin endpoint named by the config; exit 2 when the config does not load. */
    static Endpoint endpoint(Path config) throws Failure {
        try {
            return new Endpoint(Settings.from(ConfigLoader.load(config)));
        } catch (ConfigError e) {
            throw new Failure(2, "config error: " + e.getMessage());
        }
    }

    /** One engine's admin API: the config is read once, then any number of calls (a paged listing). */
    static final class Endpoint {
        private final Settings settings;
        private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        private Endpoint(Settings settings) {
            this.settings = settings;
        }

        Answer call(String method, String path) throws Failure {
            URI uri = Main.adminUri(settings, path);
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(15));
            request.method(method, HttpRequest.BodyPublishers.noBody());
            HttpResponse<String> response;
            try {
                response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new Failure(1, "no engine answering at " + uri + " (" + e.getMessage() + ")");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Failure(1, "interrupted");
            }
            JsonNode body;
            try {
                body = JSON.readTree(response.body().isBlank() ? "{}" : response.body());
            } catch (IOException e) {
                throw new Failure(1, uri + " answered " + response.statusCode() + " with no JSON");
            }
            return new Answer(response.statusCode(), body);
        }
    }

    /** Runs {@code body} with the answer of a call; maps failures to the exit code and a stderr line. */
    static int run(PrintWriter err, Action action) {
        try {
            return action.run();
        } catch (Failure f) {
            err.println("postroom: " + f.getMessage());
            err.flush();
            return f.exitCode;
        }
    }

    interface Action {
        int run() throws Failure;
    }

    /** 404 → exit 1 with the engine's message; any other non-200 too. */
    static Answer expectOk(Answer a) throws Failure {
        if (!a.ok()) {
            throw new Failure(1, a.error());
        }
        return a;
    }
}
