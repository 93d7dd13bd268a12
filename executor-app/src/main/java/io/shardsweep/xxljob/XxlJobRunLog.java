package io.shardsweep.xxljob;

import com.xxl.job.core.context.XxlJobHelper;
import io.shardsweep.run.RunLog;

/** Sends run progress to the XXL-JOB console log of the current trigger. */
final class XxlJobRunLog implements RunLog {

    static final XxlJobRunLog INSTANCE = new XxlJobRunLog();

    @Override
    public void log(String pattern, Object... arguments) {
        XxlJobHelper.log(pattern, arguments);
    }
}
