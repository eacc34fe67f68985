-- a2p_policy PostgreSQL storage schema, version 2: a2p_commit, the storage
-- port's commit (every write of one policy decision) as one function, so a
-- commit is one statement and one round trip.
--
-- Arguments are parallel arrays (text escaped as in the tables); NULL in
-- guard_expected means "absent"; res_key NULL means no reservation; the TTLs
-- are seconds or NULL. Raises numeric_value_out_of_range (22003) when a hash
-- field would leave the signed 64-bit range and data_exception (22000) for a
-- negative stored counter or a stored hash field that is not an integer: the
-- whole call then rolls back, nothing is written.
--
-- Locks, always in this order (no deadlock between two commits): the value
-- rows of every guard and put key (sorted; a key without a row gets an
-- already-expired placeholder row, which reads as missing everywhere, so an
-- absent guard is locked too and a concurrent insert waits), the reserved
-- counter, then the hash rows (sorted). Placeholders that were not written
-- are deleted before returning.

CREATE OR REPLACE FUNCTION a2p_commit(
    guard_keys      text[],
    guard_expected  text[],
    res_key         text,
    res_amount      bigint,
    res_limit       bigint,
    res_ttl         double precision,
    put_keys        text[],
    put_values      text[],
    put_ranks       bigint[],
    put_ttl         double precision,
    count_keys      text[],
    count_fields    text[],
    count_fixed     bigint[],
    count_per       bigint[],
    count_ttl       double precision,
    OUT o_applied   boolean,
    OUT o_granted   bigint,
    OUT o_used      bigint,
    OUT o_counts    jsonb,
    OUT o_current   text[]
) LANGUAGE plpgsql AS $fn$
DECLARE
    now_    double precision := extract(epoch from now())::float8;
    made    text[];
    g       bigint := 0;
    u       bigint := 0;
    nz_k    text[];
    nz_f    text[];
    nz_d    numeric[];
    nz_i    bigint[];
    bad_k   text;
    bad_f   text;
BEGIN
    o_applied := false;
    o_granted := 0;
    o_used := 0;
    o_counts := '[]'::jsonb;

    -- 1. lock every value key the commit reads or writes
    WITH ins AS (
        INSERT INTO a2p_values AS v (key, value, expires)
        SELECT s.k, '', -1
        FROM (SELECT DISTINCT x.k COLLATE "C" AS k
              FROM unnest(guard_keys || put_keys) AS x(k)) AS s
        ORDER BY s.k
        ON CONFLICT (key) DO NOTHING
        RETURNING v.key
    )
    SELECT coalesce(array_agg(ins.key), '{}') INTO made FROM ins;
    PERFORM 1 FROM a2p_values AS v
    WHERE v.key = ANY(guard_keys || put_keys) ORDER BY v.key FOR UPDATE;

    -- 2. the guards
    SELECT coalesce(array_agg(CASE WHEN v.expires IS NULL OR v.expires > now_
                                   THEN v.value END ORDER BY x.i), '{}')
    INTO o_current
    FROM unnest(guard_keys) WITH ORDINALITY AS x(k, i)
    LEFT JOIN a2p_values AS v ON v.key = x.k;
    IF EXISTS (SELECT 1 FROM unnest(o_current, guard_expected) AS c(found, expected)
               WHERE c.found IS DISTINCT FROM c.expected) THEN
        DELETE FROM a2p_values AS v WHERE v.key = ANY(made) AND v.expires = -1;
        RETURN;
    END IF;

    -- 3. the reservation (the statement of reserve)
    IF res_key IS NOT NULL THEN
        WITH up AS (
            INSERT INTO a2p_counters AS c (key, value, granted, expires)
            SELECT res_key, least(res_amount, res_limit), least(res_amount, res_limit),
                   now_ + res_ttl
            WHERE least(res_amount, res_limit) > 0
            ON CONFLICT (key) DO UPDATE SET
                value = CASE WHEN c.expires IS NULL OR c.expires > now_
                             THEN c.value + CASE WHEN c.value < 0 THEN 0
                                  ELSE least(res_amount, greatest(0, res_limit - c.value)) END
                             ELSE excluded.value END,
                granted = CASE WHEN c.expires IS NULL OR c.expires > now_
                               THEN CASE WHEN c.value < 0 THEN 0
                                    ELSE least(res_amount, greatest(0, res_limit - c.value)) END
                               ELSE excluded.value END,
                expires = CASE WHEN c.expires IS NULL OR c.expires > now_
                               THEN coalesce(excluded.expires, c.expires)
                               ELSE excluded.expires END
            WHERE NOT (c.expires IS NULL OR c.expires > now_)
               OR (c.value >= 0 AND least(res_amount, greatest(0, res_limit - c.value)) > 0)
            RETURNING c.granted, c.value
        )
        SELECT r.granted, r.value INTO g, u FROM (
            SELECT up.granted, up.value FROM up
            UNION ALL
            SELECT 0, c.value FROM a2p_counters AS c
            WHERE c.key = res_key AND (c.expires IS NULL OR c.expires > now_)
              AND NOT EXISTS (SELECT 1 FROM up)
        ) AS r;
        g := coalesce(g, 0);
        u := coalesce(u, 0);
        IF u < 0 THEN
            RAISE EXCEPTION 'malformed counter stored at %', quote_literal(res_key)
                USING ERRCODE = 'data_exception';
        END IF;
    END IF;

    -- 4. the puts of granted ranks (the last of one key wins)
    INSERT INTO a2p_values AS v (key, value, expires)
    SELECT DISTINCT ON (p.k) p.k, p.v, now_ + put_ttl
    FROM unnest(put_keys, put_values, put_ranks) WITH ORDINALITY AS p(k, v, r, i)
    WHERE p.r < 0 OR p.r < g
    ORDER BY p.k, p.i DESC
    ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires;

    -- 5. the counts: entries whose delta is not 0, added field by field
    SELECT array_agg(c.k ORDER BY c.i), array_agg(c.f ORDER BY c.i),
           array_agg(c.d ORDER BY c.i), array_agg(c.i ORDER BY c.i)
    INTO nz_k, nz_f, nz_d, nz_i
    FROM (SELECT x.k, x.f, x.fx::numeric + x.per::numeric * g AS d, x.i
          FROM unnest(count_keys, count_fields, count_fixed, count_per)
               WITH ORDINALITY AS x(k, f, fx, per, i)) AS c
    WHERE c.d <> 0;
    IF nz_k IS NOT NULL THEN
        -- a stored field that is not an integer fails the commit, as it
        -- would fail add_counts, but before anything is written
        SELECT h.key, x.f INTO bad_k, bad_f
        FROM unnest(nz_k, nz_f) AS x(k, f)
        JOIN a2p_hashes AS h ON h.key = x.k AND (h.expires IS NULL OR h.expires > now_)
        WHERE h.fields ? x.f
          AND (jsonb_typeof(h.fields -> x.f) <> 'number' OR (h.fields ->> x.f) !~ '^-?[0-9]+$')
        LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'malformed count stored at % field %',
                quote_literal(bad_k), quote_literal(bad_f)
                USING ERRCODE = 'data_exception';
        END IF;
        INSERT INTO a2p_hashes AS h (key, fields, expires)
        SELECT s.k, s.deltas, now_ + count_ttl
        FROM (SELECT t.k COLLATE "C" AS k, jsonb_object_agg(t.f, t.d) AS deltas
              FROM (SELECT n.k, n.f, sum(n.d) AS d
                    FROM unnest(nz_k, nz_f, nz_d) AS n(k, f, d) GROUP BY n.k, n.f) AS t
              GROUP BY t.k) AS s
        ORDER BY s.k
        ON CONFLICT (key) DO UPDATE SET
            fields = CASE WHEN h.expires IS NULL OR h.expires > now_ THEN (
                SELECT coalesce(jsonb_object_agg(ks.f,
                           coalesce((h.fields ->> ks.f)::numeric, 0)
                           + coalesce((excluded.fields ->> ks.f)::numeric, 0)), '{}'::jsonb)
                FROM (SELECT jsonb_object_keys(h.fields)
                      UNION SELECT jsonb_object_keys(excluded.fields)) AS ks(f)
              ) ELSE excluded.fields END,
            expires = CASE WHEN excluded.expires IS NOT NULL THEN excluded.expires
                           WHEN h.expires IS NULL OR h.expires > now_ THEN h.expires END;
        -- every running total (field before the commit plus the deltas so far)
        -- must stay in range, as if the entries were added one at a time
        SELECT r.k, r.f INTO bad_k, bad_f
        FROM (SELECT n.k, n.f, n.i,
                     sum(n.d) OVER (PARTITION BY n.k, n.f ORDER BY n.i) AS run,
                     sum(n.d) OVER (PARTITION BY n.k, n.f) AS total
              FROM unnest(nz_k, nz_f, nz_d, nz_i) AS n(k, f, d, i)) AS r
        JOIN a2p_hashes AS h ON h.key = r.k
        WHERE (h.fields ->> r.f)::numeric - r.total + r.run
              NOT BETWEEN -9223372036854775808 AND 9223372036854775807
        ORDER BY r.i LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'hash field % of % would leave the 64-bit range',
                quote_literal(bad_f), quote_literal(bad_k)
                USING ERRCODE = 'numeric_value_out_of_range';
        END IF;
    END IF;

    DELETE FROM a2p_values AS v WHERE v.key = ANY(made) AND v.expires = -1;
    SELECT coalesce(jsonb_agg(coalesce(h.fields, '{}'::jsonb) ORDER BY x.i), '[]'::jsonb)
    INTO o_counts
    FROM unnest(count_keys) WITH ORDINALITY AS x(k, i)
    LEFT JOIN a2p_hashes AS h ON h.key = x.k AND (h.expires IS NULL OR h.expires > now_);
    o_applied := true;
    o_granted := g;
    o_used := u;
END;
$fn$;
