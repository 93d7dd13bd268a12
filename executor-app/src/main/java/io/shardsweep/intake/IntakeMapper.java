package io.shardsweep.intake;

import java.util.Collection;
import java.util.List;
import org.apache.ibatis.annotations.Mapper;
import org.apache.ibatis.annotations.Param;

/** The intake API's SQL; see IntakeMapper.xml for why each statement looks the way it does. */
@Mapper
public interface IntakeMapper {

    /** Inserts the task unless its business key is taken; 1 if inserted (and {@code row.id} set), else 0. */
    int insertIgnore(NewTaskRow row);

    /** Removes a row this transaction has just inserted. */
    int deleteInserted(@Param("id") long id);

    /** The task with this id: pending table first, then history; null if in neither. */
    TaskView findById(@Param("id") long id);

    /** The task with this key: the pending one if any, else the latest finished one; null if none. */
    TaskView findByBusinessKey(@Param("businessKey") String businessKey);

    /** The latest finished task with this key, or null. */
    TaskView findDoneByBusinessKey(@Param("businessKey") String businessKey);

    /** The pending-table rows among {@code ids}, in id order. At most 500 ids per call. */
    List<TaskView> findPendingByIds(@Param("ids") Collection<Long> ids);

    /** Locks the DEAD rows among {@code ids}; returns their ids. At most 500 ids per call. */
    List<Long> lockDead(@Param("ids") Collection<Long> ids);

    /** The ids among {@code ids} that exist, pending or finished. At most 500 ids per call. */
    List<Long> findKnownIds(@Param("ids") Collection<Long> ids);
}
