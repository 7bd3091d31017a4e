-- Ledger entries (type "entry"): every movement of points. Signed: a redemption or an expiry is negative.
SELECT program_id,
       image.member_id.S AS member_id,
       image.entry_id.S AS entry_id,
       image.kind.S AS kind,
       CAST(COALESCE(image.points.N, '0') AS BIGINT) AS points,
       CAST(COALESCE(image.pending_points.N, '0') AS BIGINT) AS pending_points,
       CAST(image.lifetime_points.N AS BIGINT) AS lifetime_points,
       image.business_key.S AS business_key,
       image.occurred_at.S AS occurred_at,
       image.recorded_at.S AS recorded_at,
       substr(image.recorded_at.S, 1, 7) AS recorded_month,
       CAST(image.base_amount.S AS DECIMAL(18, 2)) AS base_amount,
       image.base_currency.S AS base_currency,
       image.rule_version.S AS rule_version
FROM items
WHERE item_type = 'entry'
