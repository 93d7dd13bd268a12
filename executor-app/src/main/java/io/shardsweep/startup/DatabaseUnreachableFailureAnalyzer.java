package io.shardsweep.startup;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

/**
 * Reports a start that failed because the database could not be reached, or refused the login, in one
 * line: host and port (parsed from {@code spring.datasource.url}) and the cause, never the URL itself
 * (it may carry a password parameter) and never the password.
 *
 * <p>With Flyway on (the default) the executor migrates the schema on start, so an unreachable
 * database fails the start here; an orchestrator restarts it until the database is up.
 */
public class DatabaseUnreachableFailureAnalyzer implements FailureAnalyzer, Ordered {

    /** jdbc:mysql://[user[:password]@]host[:port][,host2...]/... ; the hosts part only. */
    private static final Pattern HOSTS = Pattern.compile("^jdbc:[a-zA-Z0-9]+(?::[a-zA-Z0-9]+)*://(?:[^@/?]*@)?([^/?;]*)");
    static final String ACTION = "Check spring.datasource.url (SPRING_DATASOURCE_URL): its host and port, that the database is up"
            + " and accepts connections from this host, and spring.datasource.username / SPRING_DATASOURCE_PASSWORD.";

    private final Environment environment;

    public DatabaseUnreachableFailureAnalyzer(Environment environment) {
        this.environment = environment;
    }

    @Override
    public FailureAnalysis analyze(Throwable failure) {
        String where = hostAndPort(environment.getProperty("spring.datasource.url"));
        boolean jdbc = false;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            jdbc |= t instanceof SQLException;
            if (!jdbc) {
                continue; // a network error that did not come through JDBC is not the database's
            }
            if (t instanceof ConnectException || t instanceof NoRouteToHostException || t instanceof SocketTimeoutException) {
                return unreachable(where, firstLine(t.getMessage(), t), failure);
            }
            if (t instanceof UnknownHostException) {
                return unreachable(where, "unknown host", failure);
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("28")) {
                // "Access denied for user 'u'@'h' (using password: YES)": the user, never the password.
                return new FailureAnalysis("The database at " + where + " refused the login (" + firstLine(sql.getMessage(), sql) + ")",
                        ACTION, failure);
            }
        }
        return null;
    }

    private static FailureAnalysis unreachable(String where, String cause, Throwable failure) {
        return new FailureAnalysis("Cannot reach the database at " + where + " (" + cause + "); check spring.datasource.url", ACTION, failure);
    }

    /** {@code host:port} of every host in the URL, the MySQL default port where none is given. */
    static String hostAndPort(String url) {
        Matcher m = url == null ? null : HOSTS.matcher(url);
        if (m == null || !m.find() || m.group(1).isBlank()) {
            return "spring.datasource.url";
        }
        StringBuilder hosts = new StringBuilder();
        for (String host : m.group(1).split(",")) {
            if (!hosts.isEmpty()) {
                hosts.append(',');
            }
            hosts.append(host.contains(":") && !host.endsWith("]") ? host : host + ":3306");
        }
        return hosts.toString();
    }

    private static String firstLine(String message, Throwable t) {
        if (message == null || message.isBlank()) {
            return t.getClass().getSimpleName();
        }
        String line = message.strip().lines().findFirst().orElse("");
        return line.length() <= 200 ? line : line.substring(0, 197) + "...";
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE + 1;
    }
}
