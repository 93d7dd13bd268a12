package io.shardsweep;

import java.util.Collection;

/**
 * Renders a chunk of row ids as the SQL text of an IN list, {@code (1,2,3)}, for the mapper XML of
 * the hot path: {@code id IN ${@io.shardsweep.SqlIds@inList(ids)}}. MyBatis's {@code <foreach>} of bound
 * parameters costs about 2 ms of client time per 500-id statement (measured here: 2.6 to 4.2 ms per
 * statement against 0.7 to 0.9 ms for the same statement through plain JDBC), and a batch runs four
 * such statements.
 *
 * <p>Safe as text: every element must be a {@code Long}, checked at run time because the list's
 * type is erased, and a long renders as digits and a sign only. Anything else is refused before any
 * SQL is built.
 */
public final class SqlIds {

    private SqlIds() {
    }

    /** {@code (id,id,...)} (not named {@code in}: that is an OGNL keyword): at least one and at most {@link IdChunks#MAX_IDS_PER_STATEMENT} ids. */
    public static String inList(Collection<?> ids) {
        if (ids == null || ids.isEmpty()) {
            throw new IllegalArgumentException("an IN list needs at least one id");
        }
        if (ids.size() > IdChunks.MAX_IDS_PER_STATEMENT) {
            throw new IllegalArgumentException(ids.size() + " ids in one statement; chunk them with IdChunks (at most "
                    + IdChunks.MAX_IDS_PER_STATEMENT + ")");
        }
        StringBuilder sql = new StringBuilder(ids.size() * 8 + 2).append('(');
        for (Object id : ids) {
            if (!(id instanceof Long value)) {
                throw new IllegalArgumentException("not a row id: " + (id == null ? "null" : id.getClass().getName()));
            }
            if (sql.length() > 1) {
                sql.append(',');
            }
            sql.append(value.longValue());
        }
        return sql.append(')').toString();
    }
}
