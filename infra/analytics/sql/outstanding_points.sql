-- Worked query: the points members hold now (the liability), spendable and pending, per program.
SELECT program_id,
       COUNT(*) AS members,
       SUM(CASE WHEN points_balance > 0 THEN 1 ELSE 0 END) AS members_with_points,
       SUM(points_balance) AS spendable_points,
       SUM(pending_points) AS pending_points,
       SUM(points_balance + pending_points) AS outstanding_points
FROM members
GROUP BY program_id
