"""Security release, after the data files loaded: rules, template and followers as the new access model wants them.

- The record rules and the acknowledgement template sit in noupdate blocks, which an upgrade never reloads:
  they are reloaded here from the module's files (the template only while it still puts the tokenised link
  in the message body, i.e. unless an administrator rewrote it).
- Team members followed their team and, through it, every ticket of the team: membership now grants access
  through the record rules, so those follower rows go (except on the tickets they are assigned to).
- Share partners (customers) could follow a public team and were then subscribed to every new ticket: they
  leave the teams and the tickets they only followed because of it (their own tickets are kept).
- Every access token is renewed: the old acknowledgement put the tokenised link in a public message that every
  follower received and that merges moved to other tickets.
"""
import io

from lxml import etree

from odoo import SUPERUSER_ID, api
from odoo.modules.module import get_resource_path
from odoo.tools.convert import convert_xml_import

from odoo.addons.helpdesk_ce import upgrades

RULE_XMLIDS = (
    'helpdesk_team_user_rule',
    'helpdesk_ticket_user_rule',
    'helpdesk_ticket_user_team_rule',
    'helpdesk_ticket_user_own_rule',
    'helpdesk_sla_status_user_rule',
    'helpdesk_ticket_portal_rule',
)


def _reload_records(env, filename, xmlids):
    """Load these records of a data file again, as a first install would, over their current values."""
    with open(get_resource_path('helpdesk_ce', *filename.split('/')), 'rb') as file:
        tree = etree.parse(file)
    root = tree.getroot()
    for data in root.iter('data'):
        for record in list(data):
            if record.tag is etree.Comment or record.get('id') not in xmlids:
                data.remove(record)
    for child in list(root):
        if child.tag != 'data':
            root.remove(child)
    stream = io.BytesIO(etree.tostring(tree))
    stream.name = filename
    convert_xml_import(env, 'helpdesk_ce', stream, idref={}, mode='init', noupdate=True)


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    _reload_records(env, 'security/helpdesk_security.xml', RULE_XMLIDS)
    template = env.ref('helpdesk_ce.mail_template_ticket_received', raise_if_not_found=False)
    if template and 'get_portal_url' in str(template.body_html):
        _reload_records(env, 'data/mail_template_data.xml', ('mail_template_ticket_received',))
    upgrades.post_split_assign_dates(env)
    upgrades.post_move_rating_templates(env)
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
