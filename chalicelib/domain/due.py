"""Names of the time-driven tasks kept in the Due index."""

ORDER_TASK = "order"                # an order's hold ending, then its lot expiring
INACTIVITY_TASK = "inactivity"      # a member's whole balance expiring after inactivity
TIER_TASK = "tier_review"           # a member's yearly tier review
SHOP_ERASURE_TASK = "shop_erasure"  # removing everything a shop brought in (shop/redact)
MESSAGE_TASK = "message"            # a message to send (or to look at again after a claim's lease)
CRM_SYNC_TASK = "crm_sync"          # a member whose balances or tier moved: push them to HubSpot and Shopify
REGISTRATION_TASK = "discount_registration"   # a reward code to register with Shopify (or to try again)
FEEDBACK_FOLLOWUP_TASK = "feedback_followup"   # an unhappy answer: a HubSpot task and the merchant's alert email
CAMPAIGN_TASK = "campaign"              # a campaign member whose next step is due
