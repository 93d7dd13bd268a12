package io.shardsweep.claim;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import org.apache.ibatis.annotations.Mapper;
import org.apache.ibatis.annotations.Param;

@Mapper
public interface ClaimMapper {

    /** Stamps up to {@code limit} due PENDING rows of the shard; returns how many it took. */
    int claim(@Param("shardIndex") int shardIndex, @Param("shardTotal") int shardTotal,
              @Param("owner") String owner, @Param("token") String token,
              @Param("now") Instant now, @Param("leaseUntil") Instant leaseUntil,
              @Param("limit") int limit);

    List<ClaimedTask> findByToken(@Param("token") String token);

    /** What a claim would take, without taking it: for dry runs. */
    List<ClaimedTask> preview(@Param("shardIndex") int shardIndex, @Param("shardTotal") int shardTotal,
                              @Param("now") Instant now, @Param("limit") int limit);

    long countDue(@Param("shardIndex") int shardIndex, @Param("shardTotal") int shardTotal, @Param("now") Instant now);

    /** Ids still IN_PROGRESS under the claim; a plain read, no locks. */
    List<Long> findIdsByToken(@Param("token") String token);

    int renewLeases(@Param("token") String token, @Param("ids") Collection<Long> ids, @Param("leaseUntil") Instant leaseUntil);
}
