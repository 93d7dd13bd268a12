package io.shardsweep.requeue;

import io.shardsweep.IdChunks;
import io.shardsweep.claim.ShardAssignment;
import java.util.List;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Isolation;
import org.springframework.transaction.annotation.Transactional;

/** Owns the manual way back from DEAD: operators requeue chosen rows, or every dead row of a shard. */
@Service
public class TaskRequeuer {

    static final int PAGE = IdChunks.MAX_IDS_PER_STATEMENT;

    private final RequeueMapper mapper;

    public TaskRequeuer(RequeueMapper mapper) {
        this.mapper = mapper;
    }

    /** Requeues those of {@code ids} that belong to the shard and are DEAD or PENDING; returns how many. */
    @Transactional(isolation = Isolation.READ_COMMITTED)
    public int requeueIds(ShardAssignment shard, List<Long> ids, String by) {
        int requeued = 0;
        for (List<Long> chunk : IdChunks.of(ids)) {
            requeued += mapper.requeueIds(chunk, shard.index(), shard.total(), note(by));
        }
        return requeued;
    }

    public int countRequeueableIds(ShardAssignment shard, List<Long> ids) {
        int count = 0;
        for (List<Long> chunk : IdChunks.of(ids)) {
            count += mapper.countRequeueableIds(chunk, shard.index(), shard.total());
        }
        return count;
    }

    /** Requeues every DEAD row of the shard, a page per statement. */
    public int requeueDead(ShardAssignment shard, String by) {
        int total = 0;
        int changed;
        do {
            changed = mapper.requeueDead(shard.index(), shard.total(), note(by), PAGE);
            total += changed;
        } while (changed == PAGE);
        return total;
    }

    public long countDead(ShardAssignment shard) {
        return mapper.countDead(shard.index(), shard.total());
    }

    private static String note(String by) {
        return "requeued by " + by + "; before: ";
    }

}
