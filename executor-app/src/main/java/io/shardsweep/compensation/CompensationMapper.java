package io.shardsweep.compensation;

import java.time.Instant;
import org.apache.ibatis.annotations.Mapper;
import org.apache.ibatis.annotations.Param;

@Mapper
public interface CompensationMapper {

    /** Parks up to {@code limit} stale rows whose crash used up their last attempt. */
    int parkExhausted(@Param("now") Instant now, @Param("maxAttempts") int maxAttempts, @Param("limit") int limit);

    /** Returns up to {@code limit} stale rows to PENDING, counting the crash as an attempt. */
    int resetStale(@Param("now") Instant now, @Param("maxAttempts") int maxAttempts, @Param("limit") int limit);
}
