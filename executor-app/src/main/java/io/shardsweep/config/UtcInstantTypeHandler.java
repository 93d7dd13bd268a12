package io.shardsweep.config;

import java.sql.CallableStatement;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.apache.ibatis.type.BaseTypeHandler;
import org.apache.ibatis.type.JdbcType;
import org.apache.ibatis.type.MappedTypes;

/**
 * Writes and reads {@link Instant}s as UTC wall-clock values with exactly millisecond precision.
 * Every connection runs {@code SET time_zone = '+00:00'}, so a TIMESTAMP(3) column then stores
 * exactly the instant, whatever the JVM's or the driver's idea of the local zone is.
 *
 * <p>An instant is bound as the text {@code 2026-12-01 19:28:39.750}, never as a temporal value:
 * Connector/J cuts the fraction off every temporal parameter when the server's handshake version is
 * below 5.6.4, and MariaDB 10.x greets with {@code 5.5.5-10.x.y-MariaDB}. Against MariaDB 10 every
 * time the executor wrote (finished_at, not_before of a retry, leases, intake's notBefore) lost its
 * milliseconds, so a row could finish before it was created. The server parses the text into the
 * column, or compares it with one, in the session's zone; both servers take it the same way. The
 * instant is cut to milliseconds here rather than left to the server, which would round (MySQL) or
 * truncate (MariaDB) the rest.
 */
@MappedTypes(Instant.class)
public class UtcInstantTypeHandler extends BaseTypeHandler<Instant> {

    /** Always three fraction digits, in the zone every connection runs in. */
    private static final DateTimeFormatter SQL_TIMESTAMP_MILLIS = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSS")
            .withZone(ZoneOffset.UTC);

    @Override
    public void setNonNullParameter(PreparedStatement ps, int i, Instant parameter, JdbcType jdbcType) throws SQLException {
        ps.setString(i, format(parameter));
    }

    /** The text an instant is bound as: UTC, cut to milliseconds. */
    static String format(Instant instant) {
        return SQL_TIMESTAMP_MILLIS.format(instant);
    }

    @Override
    public Instant getNullableResult(ResultSet rs, String columnName) throws SQLException {
        return toInstant(rs.getObject(columnName, LocalDateTime.class));
    }

    @Override
    public Instant getNullableResult(ResultSet rs, int columnIndex) throws SQLException {
        return toInstant(rs.getObject(columnIndex, LocalDateTime.class));
    }

    @Override
    public Instant getNullableResult(CallableStatement cs, int columnIndex) throws SQLException {
        return toInstant(cs.getObject(columnIndex, LocalDateTime.class));
    }

    private static Instant toInstant(LocalDateTime value) {
        return value == null ? null : value.toInstant(ZoneOffset.UTC);
    }
}
