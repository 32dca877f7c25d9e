package dev.sluice.server;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import org.slf4j.LoggerFactory;

/** Switches the console log to {@link JsonLogLayout} ({@code logging.format: json}); text stays as logback.xml says. */
final class LogFormat {
    private LogFormat() {
    }

    static void apply(String format) {
        if (!"json".equals(format) || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        Appender<ILoggingEvent> appender = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("STDERR");
        if (!(appender instanceof ConsoleAppender<ILoggingEvent> console)) {
            return;
        }
        JsonLogLayout layout = new JsonLogLayout();
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        console.stop();
        console.setEncoder(encoder);
        console.start();
    }
}
