from odoo.tests import tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import HelpdeskHttpCommon


@tagged('post_install', '-at_install')
class TestRpcAccess(HelpdeskHttpCommon):
    """The record rules hold over HTTP too: what a portal user's browser can ask for over JSON-RPC."""

    def _call(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request(f'/web/dataset/call_kw/{model}/{method}', {
            'model': model, 'method': method, 'args': list(args), 'kwargs': kwargs,
        })

    @mute_logger('odoo.http', 'odoo.addons.base.models.ir_rule', 'odoo.models')
    def test_portal_cannot_read_private_team_ticket(self):
        private = self._create_ticket(self.team_private, name='Salary of the CEO')
        private.message_subscribe(partner_ids=self.portal.partner_id.ids)
        public = self._create_ticket(self.team_public, name='My own ticket')
        public.message_subscribe(partner_ids=self.portal.partner_id.ids)
        self.authenticate('hd_portal', 'hd_portal')

        with self.assertRaisesRegex(JsonRpcException, 'odoo.exceptions.AccessError'):
            self._call('helpdesk.ticket', 'read', [private.id], ['name'])
        with self.assertRaisesRegex(JsonRpcException, 'odoo.exceptions.AccessError'):
            self._call('helpdesk.ticket', 'write', [public.id], {'name': 'Hacked'})
        found = self._call('helpdesk.ticket', 'search_read', [], ['name'])
        self.assertEqual([r['name'] for r in found], ['My own ticket'])
        names = self._call('helpdesk.ticket', 'name_search', 'Salary')
        self.assertEqual(names, [])
        self.assertEqual(public.name, 'My own ticket')

    @mute_logger('odoo.http', 'odoo.addons.base.models.ir_model', 'odoo.models')
    def test_internal_user_without_helpdesk_group_reads_nothing(self):
        self._create_ticket(self.team_public)
        self.authenticate('hd_internal', 'hd_internal')
        with self.assertRaisesRegex(JsonRpcException, 'odoo.exceptions.AccessError'):
            self._call('helpdesk.ticket', 'search_read', [], ['name'])
