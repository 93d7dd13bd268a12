package io.shardsweep.observability;

import java.time.Instant;
import java.util.List;
import org.apache.ibatis.annotations.Mapper;
import org.apache.ibatis.annotations.Param;

@Mapper
public interface BacklogMapper {

    record Count(String state, long rowCount) {
    }

    List<Count> countByState(@Param("now") Instant now);

    long countLeaseExpired(@Param("now") Instant now);
}
