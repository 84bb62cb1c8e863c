from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import HelpdeskHttpCommon
from .test_merge import HelpdeskMergeCommon


@tagged('post_install', '-at_install')
class TestMarkDuplicate(HelpdeskMergeCommon):
    """Mark as Duplicate on a ticket: pick the original, the ticket is merged into it."""

    def _mark_duplicate(self, duplicate, original=None, user=None):
        duplicate = duplicate.with_user(user or self.agent)
        action = duplicate.action_open_mark_duplicate()
        self.assertEqual(action['res_model'], 'helpdesk.ticket.merge')
        view = self.env.ref('helpdesk_ce.helpdesk_ticket_mark_duplicate_view_form')
        wizard_form = Form(self.env['helpdesk.ticket.merge'].with_user(user or self.agent)
                           .with_context(**action['context']), view=view)
        if original:
            wizard_form.target_ticket_id = original
        wizard = wizard_form.save()
        return wizard, wizard.action_merge()

    def test_mark_duplicate_merges_into_original(self):
        original = self._create_ticket(self.team_company, name='VPN drops every hour', partner_id=self.customer.id)
        duplicate = self._create_ticket(self.team_company, name='Cannot stay on the VPN', partner_id=self.customer_2.id,
                                        description='<p>Since Monday.</p>')
        duplicate.message_post(body='Any news?', message_type='comment', author_id=self.customer_2.id)
        duplicate.message_subscribe(partner_ids=self.watcher.ids)
        wizard, action = self._mark_duplicate(duplicate, original)
        self.assertEqual(wizard.ticket_ids, duplicate)
        self.assertEqual(action['res_id'], original.id, "the original opens")
        self.assertEqual(duplicate.merged_into_id, original)
        self.assertFalse(duplicate.active)
        self.assertTrue(original.active)
        self.assertIn('Any news?', ''.join(original.message_ids.mapped('body')))
        self.assertIn('Since Monday.', original.description)
        self.assertLessEqual(self.customer_2 | self.watcher, original.message_partner_ids,
                             "the duplicate's customer and followers follow the original")

    def test_original_is_offered(self):
        """The oldest possible duplicate created before the ticket is offered as the original; not itself."""
        if not self.env.registry.has_trigram:
            self.skipTest("the duplicate hint needs pg_trgm")
        original = self._create_ticket(self.team_company, name='Printer on fire in room 12')
        duplicate = self._create_ticket(self.team_company, name='Printer in room 12 is on fire')
        context = duplicate.with_user(self.agent).action_open_mark_duplicate()['context']
        self.assertEqual(context['default_target_ticket_id'], original.id)
        self.assertEqual(original.with_user(self.agent).action_open_mark_duplicate()['context']
                         ['default_target_ticket_id'], False, "a newer ticket is not offered as the original")

    def test_original_must_be_another_ticket(self):
        duplicate = self._create_ticket(self.team_company)
        view = self.env.ref('helpdesk_ce.helpdesk_ticket_mark_duplicate_view_form')
        context = duplicate.with_user(self.agent).action_open_mark_duplicate()['context']
        wizard_form = Form(self.env['helpdesk.ticket.merge'].with_user(self.agent).with_context(**context), view=view)
        self.assertFalse(wizard_form.target_ticket_id, "nothing picked for the user")
        with self.assertRaises(AssertionError):
            wizard_form.save()  # the original is required
        wizard = self.env['helpdesk.ticket.merge'].with_user(self.agent).create({
            'ticket_ids': [(6, 0, duplicate.ids)], 'mark_duplicate': True, 'target_ticket_id': duplicate.id})
        with self.assertRaises(UserError):
            wizard.action_merge()
        self.assertTrue(duplicate.active)

    def test_merged_ticket_cannot_be_marked_again(self):
        original = self._create_ticket(self.team_company)
        duplicate = self._create_ticket(self.team_company)
        self._mark_duplicate(duplicate, original)
        with self.assertRaises(UserError):
            duplicate.with_user(self.agent).action_open_mark_duplicate()

    def test_denied_side(self):
        """Only agents who may write both tickets; portal users and other companies never."""
        original = self._create_ticket(self.team_company)
        duplicate = self._create_ticket(self.team_public, partner_id=self.portal.partner_id.id)
        with self.assertRaises(AccessError):
            duplicate.with_user(self.portal).action_open_mark_duplicate()
        private = self._create_ticket(self.team_private)
        with self.assertRaises(AccessError):
            self._mark_duplicate(duplicate, private.sudo(), user=self.agent_2)
        self.assertTrue(duplicate.active)
        other_company_team = self.env['helpdesk.team'].create({'name': 'Far', 'company_id': self.company_2.id})
        far = self._create_ticket(other_company_team)
        self.agent.company_ids |= self.company_2
        with self.assertRaises(UserError):
            self._mark_duplicate(duplicate, far)
        self.assertTrue(duplicate.active)
        self._mark_duplicate(duplicate, original)
        self.assertEqual(duplicate.merged_into_id, original)

    def test_button_always_on_the_form(self):
        arch = self.env['helpdesk.ticket'].get_view(view_type='form')['arch']
        self.assertIn('name="action_open_mark_duplicate"', arch)
        self.assertIn('name="action_open_merge"', arch, "the Possible Duplicates merge stays")


@tagged('post_install', '-at_install')
class TestMarkDuplicateHttp(HelpdeskHttpCommon):
    """The customer's page follows the original; the agent's clicks."""

    def test_customer_follows_original(self):
        self.team_public.member_ids = [(4, self.agent.id)]
        original = self._create_ticket(self.team_public, name='Original issue', partner_id=self.portal_2.partner_id.id)
        duplicate = self._create_ticket(self.team_public, name='Same issue again', partner_id=self.portal.partner_id.id)
        wizard = self.env['helpdesk.ticket.merge'].with_user(self.agent).create({
            'ticket_ids': [(6, 0, duplicate.ids)], 'mark_duplicate': True, 'target_ticket_id': original.id})
        wizard.action_merge()
        self.authenticate('hd_portal', 'hd_portal')
        page = self.url_open('/my/tickets/%s' % duplicate.id)
        self.assertEqual(page.status_code, 200)
        self.assertIn('This ticket was merged into', page.text)
        self.assertIn('/my/tickets/%s' % original.id, page.text)
        page = self.url_open('/my/tickets/%s' % original.id)
        self.assertEqual(page.status_code, 200, "the duplicate's customer follows the original")
        self.assertIn('Original issue', page.text)
        self.assertIn('Original issue', self.url_open('/my/tickets').text)

    def test_tour_agent_marks_duplicate(self):
        self.team_company.member_ids = [(4, self.agent.id)]
        original = self._create_ticket(self.team_company, name='VPN drops every hour')
        duplicate = self._create_ticket(self.team_company, name='Cannot stay connected to the VPN')
        self.start_tour('/web', 'helpdesk_ce_ticket_mark_duplicate_tour', login='hd_agent')
        self.assertEqual(duplicate.merged_into_id, original)
        self.assertFalse(duplicate.active)
