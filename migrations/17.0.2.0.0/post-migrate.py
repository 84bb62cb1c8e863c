"""Security release, after the data files loaded: followers as the new access model wants them.

- Team members followed their team and, through it, every ticket of the team: membership now grants access
  through the record rules, so those follower rows go (except on the tickets they are assigned to).
- Share partners (customers) could follow a public team and were then subscribed to every new ticket: they
  leave the teams and the tickets they only followed because of it (their own tickets are kept).
- Every access token is renewed: the old acknowledgement put the tokenised link in a public message that every
  follower received and that merges moved to other tickets.
"""

# the records pre-migrate let the data files update: back to noupdate
FORCED_XMLIDS = (
    'helpdesk_team_user_rule',
    'helpdesk_ticket_user_rule',
    'helpdesk_sla_status_user_rule',
    'helpdesk_ticket_portal_rule',
    'mail_template_ticket_received',
)


def migrate(cr, version):
    # ticket followers that came from the team: members and share followers of the team, unless they are the
    # ticket's customer or assignee
    cr.execute("""
        WITH team_partners AS (
            SELECT m.team_id, u.partner_id
              FROM helpdesk_team_member_rel m JOIN res_users u ON u.id = m.user_id
            UNION
            SELECT f.res_id, f.partner_id
              FROM mail_followers f JOIN res_partner p ON p.id = f.partner_id
             WHERE f.res_model = 'helpdesk.team' AND p.partner_share
        )
        DELETE FROM mail_followers f
         USING helpdesk_ticket t, team_partners tp
         WHERE f.res_model = 'helpdesk.ticket' AND f.res_id = t.id
           AND tp.team_id = t.team_id AND tp.partner_id = f.partner_id
           AND f.partner_id IS DISTINCT FROM t.partner_id
           AND f.partner_id NOT IN (SELECT partner_id FROM res_users WHERE id = t.user_id)
    """)
    # members do not follow their team because they are members; customers never follow a team
    cr.execute("""
        DELETE FROM mail_followers f
         USING res_partner p
         WHERE f.res_model = 'helpdesk.team' AND p.id = f.partner_id
           AND (p.partner_share OR EXISTS (
                SELECT 1 FROM helpdesk_team_member_rel m JOIN res_users u ON u.id = m.user_id
                 WHERE m.team_id = f.res_id AND u.partner_id = f.partner_id))
    """)
    cr.execute("UPDATE helpdesk_ticket SET access_token = gen_random_uuid()::text WHERE access_token IS NOT NULL")
    cr.execute("""
        UPDATE ir_model_data SET noupdate = TRUE
         WHERE module = 'helpdesk_ce' AND name IN %s
    """, [FORCED_XMLIDS])
