"""The two halves of `make test-upgrade` (see tools/test_upgrade.sh).

before: on the old release, make the state an attacker and the old code left: a customer following a public team
        (and so every new ticket of it), members following their teams' tickets, tokens in public messages.
after:  on the upgraded database, check that the new rules, templates and followers are in place.
"""
import sys

import odoo
from odoo import SUPERUSER_ID, api

STATE_PARAM = 'helpdesk_ce.upgrade_test_state'
LAST_TICKET_PARAM = 'helpdesk_ce.upgrade_test_last_ticket'


def before(env):
    portal = env.ref('helpdesk_ce.user_portal_john', raise_if_not_found=False) or env['res.users'].search(
        [('share', '=', True), ('login', '!=', 'public')], limit=1)
    team = env['helpdesk.team'].search([('privacy_visibility', '=', 'portal')], limit=1)
    private = env['helpdesk.team'].search(
        [('privacy_visibility', '=', 'invited_internal'), ('member_ids', '!=', False)], limit=1)
    team.message_subscribe(partner_ids=portal.partner_id.ids)  # the hole: a customer follows a public team
    other = env['res.partner'].create({'name': 'Other Customer', 'email': 'other.customer@example.org'})
    victim = env['helpdesk.ticket'].create(
        {'name': 'Other customer secret', 'team_id': team.id, 'partner_id': other.id})
    assert portal.partner_id in victim.message_partner_ids, "the old release subscribes team followers"
    member = private.member_ids[0]
    private_ticket = env['helpdesk.ticket'].create({'name': 'Private matter', 'team_id': private.id})
    assert member.partner_id in private_ticket.message_partner_ids, "the old release subscribes members"
    victim._portal_ensure_token()
    env['ir.config_parameter'].set_param(STATE_PARAM, '%s,%s,%s,%s,%s' % (
        portal.id, victim.id, member.id, private_ticket.id, victim.access_token))
    last = env['helpdesk.ticket'].with_context(active_test=False).search([], order='id desc', limit=1)
    env['ir.config_parameter'].set_param(LAST_TICKET_PARAM, last.id)
    return []


def after(env):
    portal_id, victim_id, member_id, private_ticket_id, old_token = env['ir.config_parameter'].get_param(
        STATE_PARAM).split(',')
    portal = env['res.users'].browse(int(portal_id))
    victim = env['helpdesk.ticket'].browse(int(victim_id))
    member = env['res.users'].browse(int(member_id))
    private_ticket = env['helpdesk.ticket'].browse(int(private_ticket_id))
    Ticket = env['helpdesk.ticket']
    checks = {
        'version': env['ir.module.module'].search([('name', '=', 'helpdesk_ce')]).latest_version >= '17.0.2',
        'scope groups exist': bool(env.ref('helpdesk_ce.group_helpdesk_user_own', raise_if_not_found=False)),
        'agents keep all tickets': env.ref('helpdesk_ce.group_helpdesk_user_own') in member.groups_id,
        'rule by membership': 'member_ids' in env.ref('helpdesk_ce.helpdesk_ticket_user_rule').domain_force,
        'rule still noupdate': env['ir.model.data'].search(
            [('module', '=', 'helpdesk_ce'), ('name', '=', 'helpdesk_ticket_user_rule')]).noupdate,
        'no customer follows a team': not env['mail.followers'].search_count(
            [('res_model', '=', 'helpdesk.team'), ('partner_id.partner_share', '=', True)]),
        'customer lost the foreign ticket': portal.partner_id not in victim.message_partner_ids
            and not Ticket.with_user(portal).search([('id', '=', victim.id)]),
        'member reads without following': member.partner_id not in private_ticket.message_partner_ids
            and bool(Ticket.with_user(member).search([('id', '=', private_ticket.id)])),
        'member left the team followers': member.partner_id not in private_ticket.team_id.message_partner_ids,
        'tokens renewed': victim.access_token != old_token and not victim._portal_check_token(old_token),
        'acknowledgement without token': 'get_portal_url' not in str(
            env.ref('helpdesk_ce.mail_template_ticket_received').body_html),
        'assignee job installed': bool(env.ref('helpdesk_ce.ir_cron_notify_assignees', raise_if_not_found=False)),
        'stage messages job installed': bool(
            env.ref('helpdesk_ce.ir_cron_send_stage_messages', raise_if_not_found=False)),
        # the tickets of the old release were acknowledged by it (new demo tickets are new tickets)
        'no acknowledgement owed to old tickets': not Ticket.with_context(active_test=False).search_count([
            ('stage_messages_to_send', '=', True),
            ('id', '<=', int(env['ir.config_parameter'].get_param(LAST_TICKET_PARAM)))]),
        'list order indexed': bool(env.cr.execute(
            "SELECT 1 FROM pg_indexes WHERE indexname = 'helpdesk_ticket_priority_id_index'") or env.cr.fetchone()),
        'team counts indexed, priority once': env.cr.execute(
            "SELECT array_agg(indexname ORDER BY indexname) FROM pg_indexes WHERE indexname IN "
            "('helpdesk_ticket_team_count_index', 'helpdesk_ticket__priority_index')")
        or env.cr.fetchone()[0] == ['helpdesk_ticket_team_count_index'],
        'assignment counts indexed': env.cr.execute(
            "SELECT COUNT(*) FROM pg_indexes WHERE indexname IN "
            "('helpdesk_ticket_assignment_last_index', 'helpdesk_ticket_assignment_open_index')")
        or env.cr.fetchone()[0] == 2,
    }
    return [name for name, ok in checks.items() if not ok], len(checks)


def main(conf, dbname, step):
    odoo.tools.config.parse_config(['-c', conf])
    with odoo.registry(dbname).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if step == 'before':
            before(env)
            print("helpdesk_ce upgrade test: old state prepared")
            return 0
        failed, total = after(env)
    for name in failed:
        print("upgrade check failed: %s" % name)
    print("upgrade: %d passed, %d failed" % (total - len(failed), len(failed)))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:4]))
