package dev.sluice.server;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One JSON object per log event and line: {@code time} (ISO-8601 UTC), {@code level}, {@code logger},
 * {@code thread}, {@code message}, and {@code exception} (the stack trace) when there is one. Newlines inside the
 * message are escaped, so one event is always one line. It prints what the code logged and nothing more: Sluice
 * never logs a token, password, bound parameter or row (DEV-GUIDELINES), and this layout adds no MDC or arguments.
 */
public final class JsonLogLayout extends LayoutBase<ILoggingEvent> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public String doLayout(ILoggingEvent event) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", Instant.ofEpochMilli(event.getTimeStamp()).toString());
        line.put("level", event.getLevel().toString());
        line.put("logger", event.getLoggerName());
        line.put("thread", event.getThreadName());
        line.put("message", event.getFormattedMessage());
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            line.put("exception", ThrowableProxyUtil.asString(thrown));
        }
        try {
            return JSON.writeValueAsString(line) + CoreConstants.LINE_SEPARATOR;
        } catch (JsonProcessingException e) {
            return "{\"level\":\"ERROR\",\"message\":\"unprintable log event\"}" + CoreConstants.LINE_SEPARATOR;
        }
    }
}
