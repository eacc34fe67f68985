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
-- rows of every put key, and of every guard key when there are guards (then
-- locked first, sorted; a key without a row gets an already-expired
-- placeholder row, which reads as missing everywhere, so an absent guard is
-- locked too and a concurrent insert waits), the reserved counter, then the
-- hash rows (sorted). Placeholders that were not written
-- are deleted before returning. Needs PostgreSQL 12 or later.

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
) LANGUAGE plpgsql
-- one plan per statement and session, kept (the statements run on every
-- decision; re-planning them per call costs more than they do)
SET plan_cache_mode = force_generic_plan
AS $fn$
DECLARE
    now_       double precision := extract(epoch from now())::float8;
    made       text[] := '{}';
    is_stale   boolean;
    g          bigint := 0;
    u          bigint := 0;
    bad_k      text;
    bad_f      text;
    bad_range  boolean;
BEGIN
    o_applied := false;
    o_granted := 0;
    o_used := 0;
    o_counts := '[]'::jsonb;

    -- 1. with guards, lock every value key the commit reads or writes, then
    -- read the guards. The lock is a second statement: its snapshot sees
    -- rows another commit inserted while the first one waited for it.
    -- Without guards the puts lock their rows themselves, in key order.
    o_current := '{}';
    IF cardinality(guard_keys) > 0 THEN
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
        SELECT array_agg(c.found ORDER BY c.i), bool_or(c.found IS DISTINCT FROM c.expected)
        INTO o_current, is_stale
        FROM (SELECT x.i, x.e AS expected,
                     CASE WHEN v.expires IS NULL OR v.expires > now_ THEN v.value END AS found
              FROM unnest(guard_keys, guard_expected) WITH ORDINALITY AS x(k, e, i)
              LEFT JOIN a2p_values AS v ON v.key = x.k) AS c;
        IF is_stale THEN
            IF cardinality(made) > 0 THEN
                DELETE FROM a2p_values AS v WHERE v.key = ANY(made) AND v.expires = -1;
            END IF;
            RETURN;
        END IF;
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

    -- 4. the puts of granted ranks (the last of one key wins), and the
    -- placeholders of step 1 that no put replaced are deleted
    IF cardinality(put_keys) + cardinality(made) > 0 THEN
        WITH w AS (
            INSERT INTO a2p_values AS v (key, value, expires)
            SELECT DISTINCT ON (p.k) p.k, p.v, now_ + put_ttl
            FROM unnest(put_keys, put_values, put_ranks) WITH ORDINALITY AS p(k, v, r, i)
            WHERE p.r < 0 OR p.r < g
            ORDER BY p.k, p.i DESC
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires
            RETURNING v.key
        )
        DELETE FROM a2p_values AS v
        WHERE v.key = ANY(made) AND v.expires = -1 AND v.key NOT IN (SELECT w.key FROM w);
    END IF;

    -- 5. the counts, in one statement: the entries whose delta is not 0
    -- (with the running total of their field, as if added one at a time),
    -- added per hash; a stored field that is not an integer becomes null,
    -- and a field found null or out of range raises below (rolling back).
    IF cardinality(count_keys) > 0 THEN
        WITH nz AS (
            SELECT d.k, d.f, d.i,
                   sum(d.d) OVER (PARTITION BY d.k, d.f ORDER BY d.i) AS run,
                   sum(d.d) OVER (PARTITION BY d.k, d.f) AS total
            FROM (SELECT x.k, x.f, x.i, x.fx::numeric + x.per::numeric * g AS d
                  FROM unnest(count_keys, count_fields, count_fixed, count_per)
                       WITH ORDINALITY AS x(k, f, fx, per, i)) AS d
            WHERE d.d <> 0
        ), up AS (
            INSERT INTO a2p_hashes AS h (key, fields, expires)
            SELECT t.k, jsonb_object_agg(t.f, t.total), now_ + count_ttl
            FROM (SELECT DISTINCT nz.k COLLATE "C" AS k, nz.f, nz.total FROM nz) AS t
            GROUP BY t.k
            ORDER BY t.k
            ON CONFLICT (key) DO UPDATE SET
                fields = CASE WHEN h.expires IS NULL OR h.expires > now_ THEN h.fields || (
                    SELECT jsonb_object_agg(e.key, CASE
                        WHEN NOT h.fields ? e.key THEN e.value
                        WHEN (h.fields ->> e.key) ~ '^-?[0-9]{1,19}$'
                            THEN to_jsonb((h.fields ->> e.key)::numeric + e.value::numeric)
                        ELSE 'null'::jsonb END)
                    FROM jsonb_each(excluded.fields) AS e
                  ) ELSE excluded.fields END,
                expires = CASE WHEN excluded.expires IS NOT NULL THEN excluded.expires
                               WHEN h.expires IS NULL OR h.expires > now_ THEN h.expires END
            RETURNING h.key, h.fields
        ), bad AS (
            SELECT nz.k, nz.f, jsonb_typeof(w.fields -> nz.f) = 'number' AS out_of_range
            FROM nz JOIN up AS w ON w.key = nz.k
            WHERE jsonb_typeof(w.fields -> nz.f) IS DISTINCT FROM 'number'
               OR (w.fields ->> nz.f)::numeric - nz.total + nz.run
                  NOT BETWEEN -9223372036854775808 AND 9223372036854775807
            ORDER BY nz.i LIMIT 1
        )
        SELECT (SELECT coalesce(jsonb_agg(coalesce(w.fields,
                                                   CASE WHEN h.expires IS NULL
                                                          OR h.expires > now_ THEN h.fields END,
                                                   '{}'::jsonb) ORDER BY x.i), '[]'::jsonb)
                FROM unnest(count_keys) WITH ORDINALITY AS x(k, i)
                LEFT JOIN up AS w ON w.key = x.k
                LEFT JOIN a2p_hashes AS h ON h.key = x.k),
               bad.k, bad.f, bad.out_of_range
        INTO o_counts, bad_k, bad_f, bad_range
        FROM (SELECT 1) AS one LEFT JOIN bad ON true;
        IF bad_range THEN
            RAISE EXCEPTION 'hash field % of % would leave the 64-bit range',
                quote_literal(bad_f), quote_literal(bad_k)
                USING ERRCODE = 'numeric_value_out_of_range';
        ELSIF bad_k IS NOT NULL THEN
            RAISE EXCEPTION 'malformed count stored at % field %',
                quote_literal(bad_k), quote_literal(bad_f)
                USING ERRCODE = 'data_exception';
        END IF;
    END IF;

    o_applied := true;
    o_granted := g;
    o_used := u;
END;
$fn$;
