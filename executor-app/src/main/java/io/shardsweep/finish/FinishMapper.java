package io.shardsweep.finish;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import org.apache.ibatis.annotations.Mapper;
import org.apache.ibatis.annotations.Param;

@Mapper
public interface FinishMapper {

    /** Locks the rows of {@code ids} that this claim still owns; returns their ids. */
    List<Long> lockOwned(@Param("token") String token, @Param("ids") Collection<Long> ids);

    /** Copies the rows of {@code ids} that this claim still owns, without locking them; returns how many. */
    int copyOwnedToHistory(@Param("token") String token, @Param("ids") Collection<Long> ids,
                           @Param("absentIds") Collection<Long> absentIds, @Param("now") Instant now);

    /** Deletes the rows of {@code ids} that this claim still owns; returns how many. */
    int deleteOwned(@Param("token") String token, @Param("ids") Collection<Long> ids);

    int markFailed(@Param("token") String token, @Param("id") long id, @Param("error") String error,
                   @Param("maxAttempts") int maxAttempts, @Param("retryAt") Instant retryAt);

    int markDead(@Param("token") String token, @Param("id") long id, @Param("error") String error);

    int release(@Param("token") String token, @Param("ids") Collection<Long> ids);
}
