-- Messages (type "message"): what the engine scheduled, sent, deferred or skipped, and what the mail did then.
-- The message's data (names, codes) is left out.
SELECT program_id,
       image.member_id.S AS member_id,
       image.message_id.S AS message_id,
       image.kind.S AS kind,
       image.category.S AS category,
       image.status.S AS status,
       image.due_at.S AS due_at,
       image.created_at.S AS created_at,
       image.sent_at.S AS sent_at,
       image.delivered_at.S AS delivered_at,
       image.opened_at.S AS opened_at,
       CAST(COALESCE(image.attempts.N, '0') AS BIGINT) AS attempts
FROM items
WHERE item_type = 'message'
