package io.shardsweep.benchmark;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.apache.ibatis.mapping.BoundSql;
import org.apache.ibatis.mapping.MappedStatement;
import org.apache.ibatis.session.SqlSessionFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * EXPLAIN of the real mapped SQL: the statement is rendered by MyBatis from the mapper XML exactly as
 * the application runs it (dynamic parts and foreach lists included), then explained with the same
 * bound values. Instants are bound as UTC wall-clock values, as the app's type handler does.
 */
final class PlanExplainer {

    private final SqlSessionFactory sessions;
    private final JdbcTemplate jdbc;

    PlanExplainer(SqlSessionFactory sessions, JdbcTemplate jdbc) {
        this.sessions = sessions;
        this.jdbc = jdbc;
    }

    record Plan(String sql, List<Map<String, Object>> rows) {
    }

    /**
     * The plan, or a one-row plan saying why there is none (the mapper changes while other work goes
     * on: a renamed statement or parameter must not cost the rest of the benchmark).
     */
    Plan explain(String statementId, Map<String, Object> parameters) {
        try {
            return explainOrThrow(statementId, parameters);
        } catch (RuntimeException e) {
            return new Plan("", List.of(Map.of("Extra", "no plan: " + e.getClass().getSimpleName() + ": "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse(""))));
        }
    }

    private Plan explainOrThrow(String statementId, Map<String, Object> parameters) {
        MappedStatement statement = sessions.getConfiguration().getMappedStatement(statementId);
        BoundSql bound = statement.getBoundSql(parameters);
        Object[] args = bound.getParameterMappings().stream().map(mapping -> {
            String name = mapping.getProperty();
            Object value = bound.hasAdditionalParameter(name) ? bound.getAdditionalParameter(name) : parameters.get(name);
            return value instanceof Instant instant ? LocalDateTime.ofInstant(instant, ZoneOffset.UTC) : value;
        }).toArray();
        String sql = bound.getSql().replaceAll("--[^\\n]*", " ").replaceAll("\\s+", " ").trim();
        return new Plan(sql, jdbc.queryForList("EXPLAIN " + bound.getSql(), args));
    }
}
