package io.shardsweep.claim;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import org.apache.ibatis.annotations.Mapper;
import org.apache.ibatis.annotations.Param;

@Mapper
public interface ClaimMapper {

    /** Up to {@code limit} ids of due PENDING rows of the shard: a plain read, no locks. */
    List<Long> findDue(@Param("shardIndex") int shardIndex, @Param("shardTotal") int shardTotal,
                       @Param("now") Instant now, @Param("limit") int limit);

    /**
     * Up to {@code limit} ids of PENDING rows of the other shards (not {@code shardIndex} of {@code shardTotal})
     * that have been due since {@code cutoff} or earlier: a plain read, no locks.
     */
    List<Long> findOverdue(@Param("shardIndex") int shardIndex, @Param("shardTotal") int shardTotal,
                           @Param("cutoff") Instant cutoff, @Param("limit") int limit);

    /**
     * Locks the rows of {@code ids} that are still due and PENDING and that no other transaction
     * holds; returns them. Rows locked elsewhere are skipped, never waited for.
     */
    List<ClaimedTask> lockDue(@Param("ids") Collection<Long> ids, @Param("now") Instant now);

    /** Stamps the rows of {@code ids}, locked by {@link #lockDue} in this transaction; returns how many. */
    int claimLocked(@Param("ids") Collection<Long> ids, @Param("owner") String owner, @Param("token") String token,
                    @Param("now") Instant now, @Param("leaseUntil") Instant leaseUntil);

    /** What a claim would take, without taking it: for dry runs. */
    List<ClaimedTask> preview(@Param("shardIndex") int shardIndex, @Param("shardTotal") int shardTotal,
                              @Param("now") Instant now, @Param("limit") int limit);

    long countDue(@Param("shardIndex") int shardIndex, @Param("shardTotal") int shardTotal, @Param("now") Instant now);

    /** How many rows {@link #findOverdue} could find: for dry runs. */
    long countOverdue(@Param("shardIndex") int shardIndex, @Param("shardTotal") int shardTotal, @Param("cutoff") Instant cutoff);

    int renewLeases(@Param("token") String token, @Param("ids") Collection<Long> ids, @Param("leaseUntil") Instant leaseUntil);
}
