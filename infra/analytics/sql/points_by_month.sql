-- Worked query: points issued, reversed, redeemed, expired and adjusted by month (UTC, of the entry's recording).
-- Issued counts pending points when they are awarded (a release later moves nothing); the others are positive sums.
SELECT program_id,
       recorded_month AS month,
       SUM(CASE WHEN kind IN ('earn', 'pending_earn', 'bonus') THEN points + pending_points ELSE 0 END) AS issued,
       -SUM(CASE WHEN kind = 'reverse' THEN points + pending_points ELSE 0 END) AS reversed,
       -SUM(CASE WHEN kind = 'redeem' THEN points + pending_points ELSE 0 END) AS redeemed,
       -SUM(CASE WHEN kind = 'expire' THEN points + pending_points ELSE 0 END) AS expired,
       SUM(CASE WHEN kind = 'adjust' THEN points + pending_points ELSE 0 END) AS adjusted,
       SUM(points + pending_points) AS net_change
FROM ledger_entries
GROUP BY program_id, recorded_month
