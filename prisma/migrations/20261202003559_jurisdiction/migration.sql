-- AlterTable
ALTER TABLE "persons" ADD COLUMN     "outside_jurisdiction" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "us_counties" (
    "fips" CHAR(5) NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "state" CHAR(2) NOT NULL,

    CONSTRAINT "us_counties_pkey" PRIMARY KEY ("fips")
);

-- CreateTable
CREATE TABLE "zip_codes" (
    "zip" CHAR(5) NOT NULL,
    "city" VARCHAR(100) NOT NULL,
    "state" CHAR(2) NOT NULL,

    CONSTRAINT "zip_codes_pkey" PRIMARY KEY ("zip")
);

-- CreateTable
CREATE TABLE "zip_counties" (
    "zip" CHAR(5) NOT NULL,
    "county_fips" CHAR(5) NOT NULL,
    "share_percent" DECIMAL(5,2) NOT NULL,

    CONSTRAINT "zip_counties_pkey" PRIMARY KEY ("zip","county_fips")
);

-- CreateTable
CREATE TABLE "consulate_counties" (
    "county_fips" CHAR(5) NOT NULL,
    "consulate_id" UUID NOT NULL,

    CONSTRAINT "consulate_counties_pkey" PRIMARY KEY ("county_fips")
);

-- CreateTable
CREATE TABLE "consulate_designated_counties" (
    "county_fips" CHAR(5) NOT NULL,
    "consulate_id" UUID NOT NULL,

    CONSTRAINT "consulate_designated_counties_pkey" PRIMARY KEY ("county_fips")
);

-- CreateTable
CREATE TABLE "jurisdiction_datasets" (
    "name" VARCHAR(100) NOT NULL,
    "version" VARCHAR(40) NOT NULL,
    "zip_count" INTEGER NOT NULL,
    "county_count" INTEGER NOT NULL,
    "loaded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "jurisdiction_datasets_pkey" PRIMARY KEY ("name")
);

-- CreateIndex
CREATE INDEX "us_counties_state_idx" ON "us_counties"("state");

-- CreateIndex
CREATE INDEX "zip_counties_county_fips_idx" ON "zip_counties"("county_fips");

-- CreateIndex
CREATE INDEX "consulate_counties_consulate_id_idx" ON "consulate_counties"("consulate_id");

-- CreateIndex
CREATE INDEX "consulate_designated_counties_consulate_id_idx" ON "consulate_designated_counties"("consulate_id");

-- CreateIndex
CREATE INDEX "persons_consulate_id_outside_jurisdiction_created_at_id_idx" ON "persons"("consulate_id", "outside_jurisdiction", "created_at", "id");

-- AddForeignKey
ALTER TABLE "zip_counties" ADD CONSTRAINT "zip_counties_zip_fkey" FOREIGN KEY ("zip") REFERENCES "zip_codes"("zip") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "zip_counties" ADD CONSTRAINT "zip_counties_county_fips_fkey" FOREIGN KEY ("county_fips") REFERENCES "us_counties"("fips") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "consulate_counties" ADD CONSTRAINT "consulate_counties_county_fips_fkey" FOREIGN KEY ("county_fips") REFERENCES "us_counties"("fips") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "consulate_counties" ADD CONSTRAINT "consulate_counties_consulate_id_fkey" FOREIGN KEY ("consulate_id") REFERENCES "consulates"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "consulate_designated_counties" ADD CONSTRAINT "consulate_designated_counties_county_fips_fkey" FOREIGN KEY ("county_fips") REFERENCES "us_counties"("fips") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "consulate_designated_counties" ADD CONSTRAINT "consulate_designated_counties_consulate_id_fkey" FOREIGN KEY ("consulate_id") REFERENCES "consulates"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written below: the person flag's rule, its trigger and indexes.

-- Recomputing the flag after a jurisdiction change reads the persons of the
-- changed counties' ZIP codes.
CREATE INDEX "persons_address_zip_idx" ON "persons" ((left(address_postal_code, 5)), consulate_id);

-- Whether a US address (ZIP code, and state) lies outside the consulate's
-- counties. The candidates are the ZIP's counties, narrowed to the address's
-- state when any of them lies in it. Inside when any candidate is the
-- consulate's; a ZIP unknown to the dataset (or no address) is never outside.
CREATE FUNCTION person_outside_jurisdiction(p_consulate uuid, p_postal_code text, p_state text)
RETURNS boolean
LANGUAGE sql STABLE
AS $$
  WITH candidates AS (
    SELECT zc.county_fips, c.state
    FROM zip_counties zc
    JOIN us_counties c ON c.fips = zc.county_fips
    WHERE zc.zip = left(p_postal_code, 5)::char(5)
  ), chosen AS (
    SELECT county_fips FROM candidates
    WHERE state = p_state OR NOT EXISTS (SELECT 1 FROM candidates WHERE state = p_state)
  )
  SELECT EXISTS (SELECT 1 FROM chosen)
     AND NOT EXISTS (
       SELECT 1 FROM chosen JOIN consulate_counties j ON j.county_fips = chosen.county_fips
       WHERE j.consulate_id = p_consulate
     )
$$;

-- Every write of a person's address or consulate recomputes the flag, whatever
-- path wrote it (API, imports); jurisdiction changes recompute it in bulk.
CREATE FUNCTION persons_set_outside_jurisdiction() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  NEW.outside_jurisdiction :=
    person_outside_jurisdiction(NEW.consulate_id, NEW.address_postal_code, NEW.address_state);
  RETURN NEW;
END
$$;

CREATE TRIGGER persons_outside_jurisdiction
  BEFORE INSERT OR UPDATE OF consulate_id, address_postal_code, address_state ON persons
  FOR EACH ROW EXECUTE FUNCTION persons_set_outside_jurisdiction();

-- Shares are percentages.
ALTER TABLE "zip_counties" ADD CONSTRAINT "zip_counties_share_percent_check"
  CHECK (share_percent >= 0 AND share_percent <= 100);
