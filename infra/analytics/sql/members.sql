-- Member profiles (SK "PROFILE" in a member's partition): balances, tier, journey. No contact details: those are in
-- members_contact (personal data).
SELECT program_id,
       image.member_id.S AS member_id,
       COALESCE(image.tier.S, 'member') AS tier,
       CAST(COALESCE(image.points_balance.N, '0') AS BIGINT) AS points_balance,
       CAST(COALESCE(image.pending_points.N, '0') AS BIGINT) AS pending_points,
       CAST(COALESCE(image.lifetime_points.N, '0') AS BIGINT) AS lifetime_points,
       CAST(COALESCE(image.entry_count.N, '0') AS BIGINT) AS entry_count,
       image.created_at.S AS created_at,
       substr(image.created_at.S, 1, 7) AS created_month,
       image.last_activity_at.S AS last_activity_at,
       image.tier_since.S AS tier_since,
       image.journey_stage.S AS journey_stage,
       image.email_consent.S AS email_consent,
       COALESCE(image.hard_bounced.BOOL, false) AS hard_bounced,
       COALESCE(image.complained.BOOL, false) AS complained,
       image.erased_at.S AS erased_at,
       image.merged_into.S AS merged_into
FROM items
WHERE sk = 'PROFILE' AND pk LIKE 'P#%#M#%'
