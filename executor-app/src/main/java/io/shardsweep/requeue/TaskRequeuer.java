package io.shardsweep.requeue;

import io.shardsweep.IdChunks;
import io.shardsweep.claim.ShardAssignment;
import java.util.List;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Isolation;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Owns the manual way back from DEAD, for the job's requeue parameters (chosen rows, or every dead
 * row of a shard) and for the intake API (chosen DEAD rows). Every requeue starts the row over in
 * the same way; see {@code startOver} in RequeueMapper.xml.
 */
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

    /**
     * Requeues the DEAD rows among {@code ids} (at most 500), whatever their shard, inside the
     * caller's transaction, which has locked them; returns how many.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public int requeueDeadIds(List<Long> ids, String by) {
        return mapper.requeueDeadIds(ids, note(by));
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
