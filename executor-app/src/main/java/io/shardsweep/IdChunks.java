package io.shardsweep;

import java.util.ArrayList;
import java.util.List;

/**
 * Id lists go to the database in chunks: MariaDB rewrites an IN list of 1000 or more values into a
 * join (in_predicate_conversion_threshold), whose locking scan reaches rows of other shards, and
 * MySQL falls back to a scan when a long list outgrows the range optimizer's memory.
 */
public final class IdChunks {

    public static final int MAX_IDS_PER_STATEMENT = 500;

    private IdChunks() {
    }

    public static List<List<Long>> of(List<Long> ids) {
        List<List<Long>> chunks = new ArrayList<>();
        for (int from = 0; from < ids.size(); from += MAX_IDS_PER_STATEMENT) {
            chunks.add(ids.subList(from, Math.min(ids.size(), from + MAX_IDS_PER_STATEMENT)));
        }
        return chunks;
    }
}
