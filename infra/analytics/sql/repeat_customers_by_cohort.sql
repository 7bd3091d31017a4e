-- Worked query: members by the month of their first paid order (cancelled orders left out), and how many ordered
-- again. Months are those of Shopify's paid_at as stored (the shop's offset).
WITH customers AS (
    SELECT program_id, member_id, MIN(paid_month) AS first_order_month, COUNT(*) AS orders
    FROM orders
    WHERE member_id IS NOT NULL AND paid_at IS NOT NULL AND cancelled_at IS NULL
    GROUP BY program_id, member_id
)
SELECT program_id,
       first_order_month,
       COUNT(*) AS customers,
       SUM(CASE WHEN orders >= 2 THEN 1 ELSE 0 END) AS repeat_customers,
       SUM(orders) AS orders
FROM customers
GROUP BY program_id, first_order_month
