"""Security release: access through record rules, not through following every ticket.

Before the data files load: let the new record rules and the acknowledgement template replace the old ones,
although they sit in noupdate blocks (post-migrate puts the flag back).
"""

FORCED_XMLIDS = (
    'helpdesk_team_user_rule',
    'helpdesk_ticket_user_rule',
    'helpdesk_sla_status_user_rule',
    'helpdesk_ticket_portal_rule',
)


def migrate(cr, version):
    cr.execute("""
        UPDATE ir_model_data SET noupdate = FALSE
         WHERE module = 'helpdesk_ce' AND name IN %s
    """, [FORCED_XMLIDS])
    # the acknowledgement put the tokenised portal link in a public message: replace it unless customised away
    cr.execute("""
        UPDATE ir_model_data d SET noupdate = FALSE
          FROM mail_template t
         WHERE d.module = 'helpdesk_ce' AND d.name = 'mail_template_ticket_received'
           AND d.model = 'mail.template' AND t.id = d.res_id AND t.body_html::text LIKE '%%get_portal_url%%'
    """)
