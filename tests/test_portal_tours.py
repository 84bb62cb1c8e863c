from odoo.tests import tagged

from .common import HelpdeskHttpCommon


@tagged('post_install', '-at_install')
class TestPortalTours(HelpdeskHttpCommon):

    def test_portal_customer_replies_with_attachment(self):
        ticket = self._create_ticket(self.team_public, name='Tour printer jam', partner_id=self.portal.partner_id.id)
        self.start_tour('/my/tickets', 'helpdesk_ce_portal_reply_tour', login='hd_portal')
        message = ticket.message_ids.filtered(lambda m: 'error log you asked for' in (m.body or ''))
        self.assertEqual(message.author_id, self.portal.partner_id)
        self.assertEqual(message.attachment_ids.mapped('name'), ['error_log.txt'])
        self.assertEqual(message.attachment_ids.raw, b'paper jam at tray 2')
        self.assertFalse(message.subtype_id.internal)

    def test_visitor_submits_public_form(self):
        self.team_public.write({
            'use_website_helpdesk_form': True, 'description': '<p>We answer within one working day.</p>'})
        self.start_tour('/helpdesk/%s' % self.team_public.id, 'helpdesk_ce_public_form_tour')
        ticket = self.env['helpdesk.ticket'].search([('team_id', '=', self.team_public.id)])
        self.assertEqual(ticket.name, 'The login page loops')
        self.assertEqual(ticket.partner_id.email, 'vera@visitor.example.com')
        self.assertIn('I land on the login page again.', ticket.description)
