package io.shardsweep.claim;

import io.shardsweep.config.ShardSweepProperties;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Isolation;
import org.springframework.transaction.annotation.Transactional;

/** Owns claiming: takes a batch of due rows of one shard for this instance. */
@Service
public class TaskClaimer {

    private final ClaimMapper mapper;
    private final Clock clock;
    private final ShardSweepProperties properties;
    private final InstanceIdentity identity;

    public TaskClaimer(ClaimMapper mapper, Clock clock, ShardSweepProperties properties, InstanceIdentity identity) {
        this.mapper = mapper;
        this.clock = clock;
        this.properties = properties;
        this.identity = identity;
    }

    /**
     * Claims up to {@code limit} rows in one statement and reads them back by their token, in one
     * READ COMMITTED transaction: either the batch is claimed and known, or nothing is claimed.
     */
    @Transactional(isolation = Isolation.READ_COMMITTED)
    public ClaimedBatch claim(ShardAssignment shard, int limit) {
        Instant now = clock.instant();
        String token = UUID.randomUUID().toString();
        int claimed = mapper.claim(shard.index(), shard.total(), identity.id(), token, now,
                now.plus(properties.staleThreshold()), limit);
        List<ClaimedTask> tasks = claimed == 0 ? List.of() : mapper.findByToken(token);
        if (tasks.size() != claimed) {
            throw new IllegalStateException("claimed " + claimed + " rows under token " + token + " but read back " + tasks.size());
        }
        return new ClaimedBatch(token, identity.id(), now, tasks);
    }

    public String owner() {
        return identity.id();
    }

    /** What {@link #claim} would take now, changing nothing. */
    @Transactional(readOnly = true, isolation = Isolation.READ_COMMITTED)
    public Preview preview(ShardAssignment shard, int limit) {
        Instant now = clock.instant();
        return new Preview(mapper.countDue(shard.index(), shard.total(), now), mapper.preview(shard.index(), shard.total(), now, limit));
    }

    public record Preview(long dueCount, List<ClaimedTask> sample) {
    }
}
