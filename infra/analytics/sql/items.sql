-- The latest image of every item: the newest FULL export is the baseline (its rows rank at its export time, taken
-- from the `/full/<epoch seconds>/` prefix the job gives it; 0 when the path has none, as in the local export), and
-- INCREMENTAL export lines written since then win over it, by their write time. A line with keys and no new image
-- is a deletion: the item is left out. Older full exports and the incrementals before the baseline are ignored.
WITH lines AS (
    SELECT COALESCE(Item.PK.S, Keys.PK.S) AS pk,
           COALESCE(Item.SK.S, Keys.SK.S) AS sk,
           Item IS NOT NULL AS is_full,
           CASE WHEN Item IS NOT NULL
                THEN CAST(COALESCE(NULLIF(regexp_extract(source_file, '/full/([0-9]+)/', 1), ''), '0') AS BIGINT)
                     * 1000000
                ELSE CAST(Metadata.WriteTimestampMicros.N AS BIGINT) END AS written_micros,
           COALESCE(Item, NewImage) AS image
    FROM dynamodb_export
    WHERE Item IS NOT NULL OR Keys IS NOT NULL
),
baseline AS (
    SELECT COALESCE(MAX(written_micros), 0) AS at_micros FROM lines WHERE is_full
),
ranked AS (
    SELECT lines.pk, lines.sk, lines.image,
           row_number() OVER (PARTITION BY lines.pk, lines.sk ORDER BY lines.written_micros DESC) AS newest
    FROM lines CROSS JOIN baseline
    WHERE (lines.is_full AND lines.written_micros = baseline.at_micros)
       OR (NOT lines.is_full AND lines.written_micros >= baseline.at_micros)
)
SELECT pk, sk, split_part(pk, '#', 2) AS program_id, image.type.S AS item_type, image
FROM ranked
WHERE newest = 1 AND image IS NOT NULL
