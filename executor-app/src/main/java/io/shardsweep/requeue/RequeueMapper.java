package io.shardsweep.requeue;

import java.util.Collection;
import org.apache.ibatis.annotations.Mapper;
import org.apache.ibatis.annotations.Param;

@Mapper
public interface RequeueMapper {

    int requeueIds(@Param("ids") Collection<Long> ids, @Param("shardIndex") int shardIndex,
                   @Param("shardTotal") int shardTotal, @Param("note") String note);

    /** Makes the DEAD rows among {@code ids} PENDING again, of any shard; returns how many. */
    int requeueDeadIds(@Param("ids") Collection<Long> ids, @Param("note") String note);

    int countRequeueableIds(@Param("ids") Collection<Long> ids, @Param("shardIndex") int shardIndex,
                            @Param("shardTotal") int shardTotal);

    int requeueDead(@Param("shardIndex") int shardIndex, @Param("shardTotal") int shardTotal,
                    @Param("note") String note, @Param("limit") int limit);

    long countDead(@Param("shardIndex") int shardIndex, @Param("shardTotal") int shardTotal);
}
