package io.shardsweep.config;

import io.shardsweep.StoredText;
import java.sql.CallableStatement;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.apache.ibatis.type.BaseTypeHandler;
import org.apache.ibatis.type.JdbcType;
import org.apache.ibatis.type.MappedTypes;

/**
 * Reads a text column as its raw bytes ({@code getBytes}, which Connector/J hands over as they came
 * off the wire) into a {@link StoredText}, which decodes them strictly. {@code getString} would decode
 * leniently and put U+FFFD where the bytes are not UTF-8. Selects pass the column through
 * {@code CAST(... AS BINARY)} as well, so that no character set conversion of the results can touch it.
 */
@MappedTypes(StoredText.class)
public class StoredTextTypeHandler extends BaseTypeHandler<StoredText> {

    /** Writes the bytes back exactly as they were read. */
    @Override
    public void setNonNullParameter(PreparedStatement ps, int i, StoredText parameter, JdbcType jdbcType) throws SQLException {
        ps.setBytes(i, parameter.bytes());
    }

    @Override
    public StoredText getNullableResult(ResultSet rs, String columnName) throws SQLException {
        return decode(rs.getBytes(columnName));
    }

    @Override
    public StoredText getNullableResult(ResultSet rs, int columnIndex) throws SQLException {
        return decode(rs.getBytes(columnIndex));
    }

    @Override
    public StoredText getNullableResult(CallableStatement cs, int columnIndex) throws SQLException {
        return decode(cs.getBytes(columnIndex));
    }

    private static StoredText decode(byte[] bytes) {
        return bytes == null ? null : StoredText.decode(bytes);
    }
}
