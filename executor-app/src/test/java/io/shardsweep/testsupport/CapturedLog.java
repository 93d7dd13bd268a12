package io.shardsweep.testsupport;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Every log event of the test JVM from {@link #start()} to {@link #close()}, as the formatted message
 * followed by its stack trace: what a check such as "the secret key is in no log line" reads.
 */
public final class CapturedLog implements AutoCloseable {

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private CapturedLog() {
    }

    /**
     * Attaches to the root logger. In a Spring test, start it in the {@code @DynamicPropertySource}
     * method: that runs after Boot has set logging up (which drops appenders added before) and before
     * the context starts, so the lines of the start are captured too.
     */
    public static CapturedLog start() {
        CapturedLog log = new CapturedLog();
        log.appender.start();
        root().addAppender(log.appender);
        return log;
    }

    /** The lines so far. */
    public List<String> lines() {
        List<ILoggingEvent> events;
        synchronized (appender) {
            events = List.copyOf(appender.list);
        }
        return events.stream().map(e -> e.getFormattedMessage()
                + (e.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(e.getThrowableProxy()))).toList();
    }

    /**
     * Whether any line holds {@code text}. A boolean, so that a failed assertion on a secret does not
     * print the line, and the secret with it, into the test report.
     */
    public boolean anyLineContains(String text) {
        return lines().stream().anyMatch(l -> l.contains(text));
    }

    /**
     * Sets the named loggers to DEBUG until the returned handle is closed, which restores their
     * levels: for a check that must see what a library says at its most talkative, around the few
     * calls that matter rather than the whole test.
     */
    public static DebugWindow debug(String... loggerNames) {
        List<Logger> loggers = java.util.Arrays.stream(loggerNames).map(n -> (Logger) LoggerFactory.getLogger(n)).toList();
        List<Level> before = loggers.stream().map(Logger::getLevel).toList();
        loggers.forEach(l -> l.setLevel(Level.DEBUG));
        return () -> {
            for (int i = 0; i < loggers.size(); i++) {
                loggers.get(i).setLevel(before.get(i));
            }
        };
    }

    /** Restores the loggers' levels on {@link #close()}, which throws nothing. */
    public interface DebugWindow extends AutoCloseable {
        @Override
        void close();
    }

    @Override
    public void close() {
        root().detachAppender(appender);
        appender.stop();
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }
}
