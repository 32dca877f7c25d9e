package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.javalin.Javalin;
import io.javalin.http.ExceptionHandler;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The REST API's 500 handler when the request it answers is gone: a handler that outlives its request (an event
 * stream ending while the listener stops) fails after Jetty recycled the request. If the 500 handler then throws,
 * Javalin 7 retries its error handling on that request forever (a core spinning, thousands of warnings a second for
 * the rest of the JVM); {@link HttpApi#internalError} drops the answer instead.
 */
class HttpApiErrorHandlerTest {

    @Test
    void aHandlerFailingAfterTheListenerStoppedEndsQuietly() throws Exception {
        assertThat(warningsAfterALateFailure(HttpApi::internalError)).isLessThan(10);
    }

    @Test
    void aThrowingErrorHandlerWouldLoop() throws Exception {
        // what the handler used to be (it threw on a recycled request): shows this test can tell the loop. It stops
        // throwing after 2,000 calls, which ends the loop, so that it does not spin on in this JVM
        AtomicInteger calls = new AtomicInteger();
        assertThat(warningsAfterALateFailure((e, ctx) -> {
            if (calls.incrementAndGet() <= 2_000) {
                ctx.status(500).result("internal error");
            }
        })).isGreaterThan(1000);
    }

    /** Javalin's warnings in the second after a request failed late, once its listener had stopped. */
    private static long warningsAfterALateFailure(ExceptionHandler<Exception> handler) throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.concurrency.useVirtualThreads = true;
            config.jetty.host = "127.0.0.1";
            config.jetty.port = 0;
            config.routes.sse("/late", client -> {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                client.close(); // as the console's streams end: after their listener is gone
            });
            config.routes.exception(Exception.class, handler);
        });
        app.start();
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        root.addAppender(logs);
        try (HttpClient client = HttpClient.newHttpClient()) {
            client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + "/late"))
                    .header("Accept", "text/event-stream").build(),
                    HttpResponse.BodyHandlers.discarding());
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
            app.stop();
            release.countDown();
            Thread.sleep(1000);
            return CapturedLogs.events(logs).stream()
                    .filter(e -> e.getLoggerName().toLowerCase(Locale.ROOT).contains("javalin")).count();
        } finally {
            root.detachAppender(logs);
            release.countDown();
        }
    }
}
