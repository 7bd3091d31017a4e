-- Orders (type "order", one account per Shopify order): what was paid, awarded, refunded back and expired.
SELECT program_id,
       image.shop.S AS shop,
       image.order_id.S AS order_id,
       image.order_name.S AS order_name,
       image.member_id.S AS member_id,
       image.paid_at.S AS paid_at,
       substr(image.paid_at.S, 1, 7) AS paid_month,
       image.cancelled_at.S AS cancelled_at,
       image.reviewed_at.S AS reviewed_at,
       CAST(image.award.M.points.N AS BIGINT) AS awarded_points,
       CAST(image.award.M.base.M.amount.S AS DECIMAL(18, 2)) AS award_base_amount,
       image.award.M.base.M.currency.S AS award_base_currency,
       image.award.M.rule_version.S AS rule_version,
       image.award.M.release_at.S AS release_at,
       COALESCE(image.released.BOOL, false) AS released,
       CAST(COALESCE(image.reversed_points.N, '0') AS BIGINT) AS reversed_points,
       CAST(COALESCE(image.expired.N, '0') AS BIGINT) AS expired_points
FROM items
WHERE item_type = 'order'
