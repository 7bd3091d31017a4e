-- Surveys sent (type "survey") and, once answered, their score and sentiment. Comments (personal data) are left out.
SELECT program_id,
       image.survey_id.S AS survey_id,
       image.member_id.S AS member_id,
       image.kind.S AS survey_kind,
       image."trigger".S AS survey_trigger,
       image.stage.S AS journey_stage,
       image.segment.S AS segment,
       image.tier.S AS tier,
       image.sent_at.S AS sent_at,
       substr(image.sent_at.S, 1, 7) AS sent_month,
       CAST(image.score.N AS INTEGER) AS score,
       CAST(image.sentiment.N AS DOUBLE) AS sentiment,
       image.answered_at.S AS answered_at,
       image.first_answered_at.S AS first_answered_at
FROM items
WHERE item_type = 'survey'
