package io.shardsweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class SqlIdsTest {

    @Test
    void ids_render_as_a_parenthesised_list_of_digits() {
        assertThat(SqlIds.inList(List.of(3L, 10L, 9_223_372_036_854_775_807L))).isEqualTo("(3,10,9223372036854775807)");
        assertThat(SqlIds.inList(List.of(-1L))).isEqualTo("(-1)");
    }

    @Test
    void anything_but_a_long_is_refused_before_any_sql_is_built() {
        List<Object> smuggled = new ArrayList<>(List.of(1L));
        smuggled.add("1) OR (1=1");
        assertThatThrownBy(() -> SqlIds.inList(smuggled)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.String");
        List<Object> withNull = new ArrayList<>(List.of(1L));
        withNull.add(null);
        assertThatThrownBy(() -> SqlIds.inList(withNull)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("null");
        assertThatThrownBy(() -> SqlIds.inList(List.of(1))).as("an Integer").isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void an_empty_list_or_one_longer_than_a_chunk_is_refused() {
        assertThatThrownBy(() -> SqlIds.inList(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SqlIds.inList(null)).isInstanceOf(IllegalArgumentException.class);
        List<Long> tooMany = LongStream.rangeClosed(1, IdChunks.MAX_IDS_PER_STATEMENT + 1).boxed().toList();
        assertThatThrownBy(() -> SqlIds.inList(tooMany)).hasMessageContaining("IdChunks");
        assertThat(SqlIds.inList(tooMany.subList(0, IdChunks.MAX_IDS_PER_STATEMENT))).startsWith("(1,2,").endsWith(",500)");
    }
}
