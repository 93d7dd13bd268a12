package io.shardsweep.intake;

import java.time.Instant;

/** Parameter of {@link IntakeMapper#insertIgnore}: a validated task, and the id the database gave it. */
final class NewTaskRow {

    private final String filePath;
    private final String businessKey;
    private final Instant notBefore;
    private Long id;

    NewTaskRow(String filePath, String businessKey, Instant notBefore) {
        this.filePath = filePath;
        this.businessKey = businessKey;
        this.notBefore = notBefore;
    }

    public String getFilePath() {
        return filePath;
    }

    public String getBusinessKey() {
        return businessKey;
    }

    public Instant getNotBefore() {
        return notBefore;
    }

    public Long getId() {
        return id;
    }

    public void setId(Long id) {
        this.id = id;
    }
}
