-- AlterTable
ALTER TABLE "documentation_requests" ADD COLUMN     "external_id" VARCHAR(100);

-- AlterTable
ALTER TABLE "persons" ADD COLUMN     "external_id" VARCHAR(100);

-- CreateTable
CREATE TABLE "import_jobs" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "consulate_id" UUID,
    "actor_id" UUID NOT NULL,
    "actor_role" VARCHAR(40) NOT NULL,
    "state" VARCHAR(16) NOT NULL,
    "dry_run" BOOLEAN NOT NULL,
    "bytes" BIGINT NOT NULL DEFAULT 0,
    "lines_total" INTEGER,
    "lines_read" INTEGER NOT NULL DEFAULT 0,
    "created" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,
    "rejected" INTEGER NOT NULL DEFAULT 0,
    "next_seq" INTEGER NOT NULL DEFAULT 0,
    "lease_owner" VARCHAR(80),
    "lease_until" TIMESTAMPTZ(3),
    "error" VARCHAR(500),
    "request_id" VARCHAR(128),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "import_jobs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "import_chunks" (
    "job_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "first_line" INTEGER NOT NULL,
    "line_count" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,

    CONSTRAINT "import_chunks_pkey" PRIMARY KEY ("job_id","seq")
);

-- CreateTable
CREATE TABLE "import_rejections" (
    "job_id" UUID NOT NULL,
    "line" INTEGER NOT NULL,
    "reason" VARCHAR(500) NOT NULL,

    CONSTRAINT "import_rejections_pkey" PRIMARY KEY ("job_id","line")
);

-- CreateTable
CREATE TABLE "import_dry_keys" (
    "job_id" UUID NOT NULL,
    "kind" CHAR(1) NOT NULL,
    "consulate_id" UUID NOT NULL,
    "external_id" VARCHAR(100) NOT NULL,
    "date_of_birth" DATE,

    CONSTRAINT "import_dry_keys_pkey" PRIMARY KEY ("job_id","kind","consulate_id","external_id")
);

-- CreateIndex
CREATE INDEX "import_jobs_state_created_at_idx" ON "import_jobs"("state", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "documentation_requests_consulate_id_external_id_key" ON "documentation_requests"("consulate_id", "external_id");

-- CreateIndex
CREATE UNIQUE INDEX "persons_consulate_id_external_id_key" ON "persons"("consulate_id", "external_id");

-- AddForeignKey
ALTER TABLE "import_chunks" ADD CONSTRAINT "import_chunks_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "import_jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "import_rejections" ADD CONSTRAINT "import_rejections_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "import_jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------
-- Hand-written.
-- ---------------------------------------------------------------------------
ALTER TABLE "import_jobs" ADD CONSTRAINT "import_jobs_state_check"
  CHECK (state IN ('receiving', 'queued', 'running', 'succeeded', 'failed'));
-- Chunks are large and read once: keep them out of the main heap's way.
ALTER TABLE "import_chunks" ALTER COLUMN "data" SET STORAGE EXTERNAL;
