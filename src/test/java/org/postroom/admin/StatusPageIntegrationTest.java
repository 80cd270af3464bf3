package org.postroom.admin;

import org.junit.jupiter.api.Test;
import org.postroom.testsupport.TestEngine;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The status page on the admin port of a running engine: the HTML, its script and style are served from
 * the jar, self-contained (no other host), and the script reads the figures /status really has. The page
 * rendered in a browser is checked by .ci/interop/status-page-chromium.sh.
 */
class StatusPageIntegrationTest {

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void rootServesTheStatusPageWhichLoadsItsScriptAndStyleFromTheAdminPort() throws Exception {
        try (TestEngine engine = TestEngine.start("inbound.smtp.max-sessions = 7")) {
            HttpResponse<String> page = get(engine.adminPort(), "/");
            assertEquals(200, page.statusCode());
            assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
            assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'self'"));
            String html = page.body();
            assertTrue(html.startsWith("<!DOCTYPE html>"), html);
            assertTrue(html.contains("<script src=\"/assets/page.js\"></script>"), html);
            assertTrue(html.contains("href=\"/assets/page.css\""), html);
            for (String id : new String[]{"id=\"sessions\"", "id=\"chart-queue\"", "id=\"chart-deliveries\"",
                    "id=\"chart-hosthealth\"", "id=\"actors\""}) {
                assertTrue(html.contains(id), id);
            }
            assertFalse(html.matches("(?s).*(src|href)=\"(https?:)?//.*"), "no CDN, nothing from another host");

            HttpResponse<String> js = get(engine.adminPort(), "/assets/page.js");
            assertEquals(200, js.statusCode());
            assertTrue(js.headers().firstValue("Content-Type").orElse("").startsWith("text/javascript"));
            assertTrue(js.body().contains("fetch(\"/status\""), "the script polls /status");
            assertTrue(js.body().contains("setInterval(poll, PERIOD_MS)") && js.body().contains("PERIOD_MS = 2000"));
            String withoutSvgNamespace = js.body().replace("\"http://www.w3.org/2000/svg\"", "");
            assertFalse(withoutSvgNamespace.contains("http://") || withoutSvgNamespace.contains("https://"), "no other host");

            HttpResponse<String> css = get(engine.adminPort(), "/assets/page.css");
            assertEquals(200, css.statusCode());
            assertTrue(css.headers().firstValue("Content-Type").orElse("").startsWith("text/css"));

            // The figures the script reads are in /status under the names it uses.
            String status = get(engine.adminPort(), "/status").body();
            for (String key : new String[]{"\"sessions\"", "\"limit\" : 7", "\"queue\"", "\"deliveries\"",
                    "\"hosthealth\"", "\"cachedFailures\"", "\"tokensInUse\"", "\"actors\"", "\"mailboxDepth\""}) {
                assertTrue(status.contains(key), key + " in " + status);
            }
            for (String field : new String[]{"cachedFailures", "tokensInUse", "tokenDenials", "mailboxDepth",
                    "accepted", "refused", "peak"}) {
                assertTrue(js.body().contains(field), "script reads " + field);
            }
        }
    }

    @Test
    void anUnknownPathIsNotFoundAndThePageIsReadOnly() throws Exception {
        try (TestEngine engine = TestEngine.start("")) {
            assertEquals(404, get(engine.adminPort(), "/nothing-here").statusCode());
            assertEquals(404, get(engine.adminPort(), "/admin/index.html").statusCode());
            HttpResponse<String> post = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + engine.adminPort() + "/"))
                            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, post.statusCode());
        }
    }
}
