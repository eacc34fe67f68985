-- a2p_policy PostgreSQL storage schema, version 1.
--
-- One table per record kind of the storage port (counters, values, hashes,
-- logs, recency sets). Keys use the "C" collation: byte-wise equality and
-- ordering, independent of the database locale. "expires" is an epoch in
-- seconds on the database server's clock (garbage collection only: expired
-- rows read as missing and are deleted by the library's periodic prune).
-- Text is stored with backslash escaping of NUL and backslash itself, since
-- PostgreSQL text cannot hold NUL characters.

CREATE TABLE IF NOT EXISTS a2p_counters (
    key      text COLLATE "C" PRIMARY KEY,
    value    bigint NOT NULL,
    granted  bigint NOT NULL DEFAULT 0,  -- the last reserve's grant (RETURNING)
    expires  double precision
);

CREATE TABLE IF NOT EXISTS a2p_values (
    key      text COLLATE "C" PRIMARY KEY,
    value    text NOT NULL,
    expires  double precision
);

CREATE TABLE IF NOT EXISTS a2p_hashes (
    key      text COLLATE "C" PRIMARY KEY,
    fields   jsonb NOT NULL,             -- {"field": integer, ...}
    expires  double precision
);

CREATE TABLE IF NOT EXISTS a2p_logs (
    key      text COLLATE "C" NOT NULL,
    version  bigint NOT NULL,
    entry    text NOT NULL,
    PRIMARY KEY (key, version)
);

CREATE TABLE IF NOT EXISTS a2p_sets (
    key      text COLLATE "C" PRIMARY KEY,
    members  jsonb NOT NULL,             -- {"member": "last seen, epoch seconds"}
    expires  double precision
);

CREATE INDEX IF NOT EXISTS a2p_counters_expires ON a2p_counters (expires)
    WHERE expires IS NOT NULL;
CREATE INDEX IF NOT EXISTS a2p_values_expires ON a2p_values (expires)
    WHERE expires IS NOT NULL;
CREATE INDEX IF NOT EXISTS a2p_hashes_expires ON a2p_hashes (expires)
    WHERE expires IS NOT NULL;
CREATE INDEX IF NOT EXISTS a2p_sets_expires ON a2p_sets (expires)
    WHERE expires IS NOT NULL;
