-- One row per job and business slot (e.g. the date in the configured zone): the instance whose
-- insert wins runs the slot. A runner that dies leaves `finished_at` NULL; once its lease has
-- passed another instance takes the row over (attempt + 1). Timestamps are UTC, set by Linli.
CREATE TABLE job_runs (
    job TEXT NOT NULL,
    slot TEXT NOT NULL,
    -- Who holds or held the slot: host:pid:random of a `linli serve`, or of `linli jobs run`.
    instance TEXT NOT NULL,
    attempt INTEGER NOT NULL CHECK (attempt >= 1),
    lease_until TIMESTAMP NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    outcome TEXT CHECK (outcome IN ('succeeded', 'failed')),
    -- JSON object: the counts of a success or the error of a failure.
    detail TEXT NOT NULL,
    PRIMARY KEY (job, slot),
    CHECK ((finished_at IS NULL) = (outcome IS NULL))
);
CREATE INDEX job_runs_started_at ON job_runs (started_at);
CREATE INDEX job_runs_job_started_at ON job_runs (job, started_at);
