-- PERSONAL DATA: each member's email address and first name. Grant it only to whom may see customers' contacts;
-- an erased member's are gone (NULL).
SELECT program_id,
       image.member_id.S AS member_id,
       image.email.S AS email,
       image.first_name.S AS first_name
FROM items
WHERE sk = 'PROFILE' AND pk LIKE 'P#%#M#%'
