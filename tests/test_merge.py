from unittest.mock import patch

from markupsafe import Markup

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.mail.tests.common import MailCommon

from .common import TICKET_MAIL, HelpdeskCommon


class HelpdeskMergeCommon(HelpdeskCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_company.member_ids = [(4, cls.agent.id)]
        Partner = cls.env['res.partner']
        cls.customer = Partner.create({'name': 'Carla Customer', 'email': 'carla@example.com'})
        cls.customer_2 = Partner.create({'name': 'Bob Buyer', 'email': 'bob@example.com'})
        cls.watcher = Partner.create({'name': 'Walter Watcher', 'email': 'walter@example.com'})

    def _merge(self, tickets, target=None, user=None):
        """Open the wizard as `user` (the current one by default) and merge."""
        Wizard = self.env['helpdesk.ticket.merge']
        if user:
            Wizard = Wizard.with_user(user)
        values = {'ticket_ids': [(6, 0, tickets.ids)]}
        if target:
            values['target_ticket_id'] = target.id
        wizard = Wizard.create(values)
        return wizard, wizard.action_merge()


@tagged('post_install', '-at_install')
class TestMerge(HelpdeskMergeCommon):

    def test_similarity_orders_near_duplicates(self):
        target, near, unrelated = self.env['helpdesk.ticket'].create([{
            'name': 'Printer on fire in room 12', 'team_id': self.team_company.id, 'partner_id': self.customer.id,
            'description': '<p>The office printer caught fire after the last paper jam.</p>',
        }, {
            'name': 'Printer in room 12 is on fire!', 'team_id': self.team_company.id,
            'partner_id': self.customer.id,
            'description': '<p>Our office printer caught fire after a paper jam.</p>',
        }, {
            'name': 'Wrong address on invoice', 'team_id': self.team_public.id, 'partner_id': self.customer_2.id,
            'description': '<p>Please change the street on my last bill.</p>',
        }])
        wizard = self.env['helpdesk.ticket.merge'].create({'ticket_ids': [(6, 0, (unrelated | near | target).ids)]})
        self.assertEqual(wizard.target_ticket_id, target, "the oldest ticket is kept by default")
        scores = {line.ticket_id: line.similarity for line in wizard.line_ids}
        self.assertEqual(scores[target], 100)
        self.assertGreater(scores[near], 60)
        self.assertLess(scores[unrelated], 20)
        self.assertEqual(
            wizard.line_ids.mapped('ticket_id'), target | near | unrelated, "kept first, then by similarity")
        self.assertEqual(wizard.line_ids[0].ticket_id, target)
        self.assertTrue(wizard.line_ids[0].is_target)
        self.assertEqual(wizard.line_ids[1].ticket_id, near)
        self.assertFalse(wizard.python_similarity)

        # without pg_trgm, Python computes the same trigram similarity on the wizard's tickets
        with patch.object(self.env.registry, 'has_trigram', False):
            self.assertEqual(self.env.registry.has_trigram, False)
            fallback = self.env['helpdesk.ticket.merge'].create(
                {'ticket_ids': [(6, 0, (target | near | unrelated).ids)]})
            fallback_scores = {line.ticket_id: line.similarity for line in fallback.line_ids}
            self.assertTrue(fallback.python_similarity)
        for ticket, score in scores.items():
            self.assertAlmostEqual(fallback_scores[ticket], score, delta=1)

        # choosing another ticket to keep rates the others against it
        wizard.target_ticket_id = near
        self.assertEqual(wizard.line_ids.filtered('is_target').ticket_id, near)
        self.assertEqual(wizard.line_ids.filtered(lambda line: line.ticket_id == near).similarity, 100)

    def test_merge_loses_nothing(self):
        Ticket = self.env['helpdesk.ticket']
        tag_a, tag_b, tag_c = self.env['helpdesk.tag'].create([{'name': 'a'}, {'name': 'b'}, {'name': 'c'}])
        target = self._create_ticket(self.team_company, partner_id=self.customer.id, tag_ids=[(6, 0, tag_a.ids)],
                                     description='<p>Kept description</p>')
        dup_1 = self._create_ticket(self.team_company, partner_id=self.customer.id, tag_ids=[(6, 0, tag_b.ids)],
                                    description='<p>First duplicate text</p>')
        dup_2 = self._create_ticket(self.team_public, partner_id=self.customer_2.id,
                                    tag_ids=[(6, 0, (tag_b | tag_c).ids)], description='<p>Second duplicate text</p>')
        others = dup_1 | dup_2
        # messages by several authors, attachments, activities and followers with their own subtypes
        note = self.env.ref('mail.mt_note')
        messages = self.env['mail.message']
        for ticket in others:
            messages |= ticket.with_user(self.agent).message_post(body='Agent reply on %s' % ticket.ticket_ref,
                                                                  message_type='comment')
            messages |= ticket.message_post(body='Customer says hi', author_id=ticket.partner_id.id,
                                            message_type='email')
        attachments = self.env['ir.attachment'].create([{
            'name': 'log-%s.txt' % ticket.id, 'raw': b'log', 'res_model': 'helpdesk.ticket', 'res_id': ticket.id,
        } for ticket in others])
        with_attachment = dup_1.message_post(body='See attached', attachment_ids=attachments[0].ids)
        activity = dup_2.activity_schedule('mail.mail_activity_data_todo', summary='Call back', user_id=self.agent.id)
        meeting = self.env['calendar.event'].create({
            'name': 'Look at the printer', 'res_model_id': self.env['ir.model']._get_id('helpdesk.ticket'),
            'res_id': dup_1.id, 'start': '2030-01-07 10:00:00', 'stop': '2030-01-07 11:00:00'})
        dup_2.message_subscribe(partner_ids=self.watcher.ids, subtype_ids=note.ids)
        dates = {message: (message.date, message.author_id) for message in messages}
        followers_before = (target | others).message_partner_ids
        dup_1.rating_apply(5, token=dup_1._rating_get_access_token(), feedback='Quick and kind')
        rating = dup_1.rating_ids
        self.assertEqual((dup_1.rating_last_value, rating.parent_res_id), (5, self.team_company.id))

        wizard, action = self._merge(others | target, user=self.agent)

        self.assertEqual(action['res_id'], target.id)
        self.env.invalidate_all()
        # every message keeps its date and author, and sits next to the merge summary
        self.assertLessEqual(messages | with_attachment, target.message_ids)
        for message, (date, author) in dates.items():
            self.assertEqual((message.model, message.res_id), ('helpdesk.ticket', target.id))
            self.assertEqual((message.date, message.author_id), (date, author))
        summary = target.message_ids.filtered(lambda m: 'Merged into this ticket' in m.body)
        self.assertEqual(len(summary), 1)
        self.assertIn(dup_1.ticket_ref, summary.body)
        self.assertIn(dup_2.ticket_ref, summary.body)
        for ticket in others:
            self.assertEqual(len(ticket.message_ids), 1, "only the summary stays on the merged ticket")
            self.assertIn('Merged into', ticket.message_ids.body)
            self.assertIn(target.ticket_ref, ticket.message_ids.body)
        self.assertEqual(target.message_ids[0], summary, "the summary is the latest message")
        # attachments, activities, followers, tags, descriptions, ratings
        self.assertEqual(attachments.mapped('res_id'), [target.id, target.id])
        self.assertEqual(activity.res_id, target.id)
        self.assertEqual((meeting.res_model, meeting.res_id), ('helpdesk.ticket', target.id))
        self.assertEqual(target.activity_ids, activity)
        self.assertEqual(target.message_partner_ids, followers_before)
        self.assertEqual(target.message_follower_ids.filtered(lambda f: f.partner_id == self.watcher).subtype_ids,
                         note, "followers keep their subtypes")
        self.assertEqual(dup_2.message_partner_ids & self.watcher, self.watcher, "merged tickets keep theirs")
        self.assertEqual(target.tag_ids, tag_a | tag_b | tag_c)
        self.assertIn('Kept description', target.description)
        self.assertIn('Description of %s' % dup_1.ticket_ref, target.description)
        self.assertIn('Second duplicate text', target.description)
        self.assertLess(target.description.index('First duplicate'), target.description.index('Second duplicate'))
        self.assertEqual(dup_2.team_id, self.team_public)
        self.assertEqual((rating.res_id, rating.parent_res_id), (target.id, self.team_company.id))
        self.assertEqual(target.rating_ids, rating)
        self.assertEqual(target.rating_last_value, 5)
        self.assertEqual(dup_1.rating_last_value, 0)
        # the result keeps the target's team; the others are archived and point to it
        self.assertEqual(target.team_id, self.team_company)
        self.assertTrue(target.active)
        self.assertEqual(others.mapped('active'), [False, False])
        self.assertEqual(others.merged_into_id, target)
        self.assertEqual(others.mapped('merged_into_ref'), [target.ticket_ref] * 2)
        self.assertEqual(target.merged_ticket_count, 2)
        self.assertEqual(Ticket.search([('id', 'in', (target | others).ids)]), target)

    def test_merge_chain_and_refusals(self):
        first, second, third = [self._create_ticket(self.team_company, name='Printer %s' % i) for i in range(3)]
        self._merge(first | second)
        self.assertEqual(second.merged_into_id, first)
        with self.assertRaisesRegex(UserError, 'already merged'):
            self._merge(second | third)
        with self.assertRaisesRegex(UserError, 'at least two'):
            self._merge(third)
        self._merge(first | third, target=third)
        self.assertEqual(second._get_merge_target(), third, "chains of merges are followed")
        self.assertEqual(second.merged_into_ref, third.ticket_ref)
        self.assertEqual(third._get_merge_target(), third)

    def test_merge_refused_across_companies(self):
        team_other = self.env['helpdesk.team'].create({'name': 'Far Team', 'company_id': self.company_2.id})
        here = self._create_ticket(self.team_company)
        there = self._create_ticket(team_other)
        with self.assertRaisesRegex(UserError, 'different companies'):
            self._merge(here | there)
        self.assertTrue(there.active)
        self.assertFalse(there.merged_into_id)

    def test_merge_refused_without_access_to_every_ticket(self):
        visible = self._create_ticket(self.team_company)
        hidden = self._create_ticket(self.team_private)
        hidden.message_post(body='Private history')
        self.assertFalse(self.env['helpdesk.ticket'].with_user(self.agent).search([('id', '=', hidden.id)]))
        with self.assertRaises(AccessError):
            (visible | hidden).with_user(self.agent).action_open_merge()
        with self.assertRaises(AccessError):
            self._merge(visible | hidden, target=visible, user=self.agent)
        with self.assertRaises(AccessError):
            self._merge(visible | hidden, target=hidden, user=self.agent)
        # a wizard holding a ticket the agent cannot see refuses, rather than merging the others
        wizard = self.env['helpdesk.ticket.merge'].create(
            {'ticket_ids': [(6, 0, (visible | hidden).ids)], 'target_ticket_id': visible.id})
        with self.assertRaises(AccessError):
            wizard.with_user(self.agent).action_merge()
        self.assertTrue(hidden.active)
        self.assertEqual(hidden.message_ids.res_id, hidden.id)
        # a portal user cannot even open the wizard
        with self.assertRaises(AccessError):
            self.env['helpdesk.ticket.merge'].with_user(self.portal).create({'ticket_ids': [(6, 0, visible.ids)]})

    def test_merge_failure_changes_nothing(self):
        target = self._create_ticket(self.team_company)
        other = self._create_ticket(self.team_company, description='<p>Other text</p>')
        message = other.message_post(body='Keep me where I am')
        attachment = self.env['ir.attachment'].create(
            {'name': 'a.txt', 'raw': b'a', 'res_model': 'helpdesk.ticket', 'res_id': other.id})
        activity = other.activity_schedule('mail.mail_activity_data_todo', user_id=self.agent.id)
        other.message_subscribe(partner_ids=self.watcher.ids)
        wizard = self.env['helpdesk.ticket.merge'].create({'ticket_ids': [(6, 0, (target | other).ids)]})

        def fail(*args, **kwargs):
            raise OSError('Disk full')

        # messages, attachments, activities and followers have moved when the summary fails
        with patch.object(self.registry['helpdesk.ticket'], '_merge_log_summary', fail), \
                self.assertRaisesRegex(OSError, 'Disk full'):
            wizard.action_merge()
        self.env.invalidate_all()
        self.assertEqual(message.res_id, other.id)
        self.assertEqual(attachment.res_id, other.id)
        self.assertEqual(activity.res_id, other.id)
        self.assertNotIn(self.watcher, target.message_partner_ids)
        self.assertNotIn('Other text', target.description or '')
        self.assertTrue(other.active)
        self.assertFalse(other.merged_into_id)
        self.assertEqual(target.message_ids, self.env['mail.message'])

    def _create_messages(self, tickets, count):
        """`count` messages on each ticket, written in bulk: creating 10,000 through the ORM takes minutes."""
        self.env.flush_all()
        self.env.cr.execute("""
            INSERT INTO mail_message (model, res_id, message_type, body, author_id, date, subtype_id,
                                      create_uid, write_uid, create_date, write_date)
            SELECT 'helpdesk.ticket', ticket_id, 'comment', '<p>Message ' || n || '</p>', %s,
                   now() - n * interval '1 minute', %s, 1, 1, now(), now()
              FROM unnest(%s) AS ticket_id, generate_series(1, %s) AS n
        """, [self.customer.id, self.env.ref('mail.mt_comment').id, tickets.ids, count])

    def _prepare_merge(self, message_count, ticket_count=10):
        tickets = self.env['helpdesk.ticket'].create([
            {'name': 'Screen %s' % i, 'team_id': self.team_company.id, 'partner_id': self.customer.id,
             'description': '<p>Flickers</p>'} for i in range(ticket_count)])
        self._create_messages(tickets, message_count)
        tickets[1:].message_subscribe(partner_ids=self.watcher.ids)
        tickets[2].activity_schedule('mail.mail_activity_data_todo', user_id=self.agent.id)
        wizard = self.env['helpdesk.ticket.merge'].with_user(self.manager).create(
            {'ticket_ids': [(6, 0, tickets.ids)]})
        self.env.flush_all()
        self.env.invalidate_all()
        return wizard, tickets

    def _count_merge_queries(self, message_count):
        wizard, _tickets = self._prepare_merge(message_count)
        before = self.env.cr.sql_log_count
        wizard.action_merge()
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_merge_query_count(self):
        """10 tickets of 1,000 messages merge in a fixed number of queries: none per message or per ticket."""
        self._count_merge_queries(1)  # warm the caches of access rights and rules
        self.assertEqual(self._count_merge_queries(1000), self._count_merge_queries(10))
        wizard, tickets = self._prepare_merge(1000)
        Message = self.env['mail.message']
        message_count = Message.search_count([('model', '=', 'helpdesk.ticket'), ('res_id', 'in', tickets.ids)])
        self.assertGreater(message_count, 10 * 1000)
        with self.assertQueryCount(35):  # 31, and the lock and the checks under it (read rules in SQL)
            wizard.action_merge()
            self.env.flush_all()
        self.assertEqual(Message.search_count([('model', '=', 'helpdesk.ticket'), ('res_id', '=', tickets[0].id)]),
                         message_count + 1, "all messages and the summary")
        self.assertIn(self.watcher, tickets[0].message_partner_ids)
        self.assertEqual(tickets[0].activity_ids.user_id, self.agent)
        self.assertEqual(self._count_merge_queries(10), self._count_merge_queries(1000))


@tagged('post_install', '-at_install')
class TestDuplicateHint(HelpdeskMergeCommon):

    def test_possible_duplicates(self):
        Ticket = self.env['helpdesk.ticket']
        ticket = self._create_ticket(self.team_company, name='Printer on fire in room 12', partner_id=self.customer.id)
        same_customer = self._create_ticket(self.team_company, name='Password reset', partner_id=self.customer.id)
        similar = self._create_ticket(self.team_public, name='Printer in room 12 is on fire')
        unrelated = self._create_ticket(self.team_company, name='Wrong address on invoice')
        closed = self._create_ticket(
            self.team_company, name='Printer on fire in room 12', stage_id=self.stage_solved.id)
        hidden = self._create_ticket(self.team_private, name='Printer on fire in room 12')
        self.assertEqual(ticket._get_possible_duplicates(), same_customer | similar | hidden)
        as_agent = ticket.with_user(self.agent)
        self.assertEqual(as_agent._get_possible_duplicates(), same_customer | similar,
                         "only tickets the user may see")
        self.assertEqual(as_agent.duplicate_ticket_count, 2)
        action = as_agent.action_open_duplicates()
        self.assertEqual(Ticket.with_user(self.agent).search(action['domain']), ticket | same_customer | similar)
        merge_action = as_agent.action_open_merge()
        self.assertEqual(merge_action['res_model'], 'helpdesk.ticket.merge')
        self.assertEqual(sorted(merge_action['context']['default_ticket_ids']), (ticket | same_customer | similar).ids)
        self.assertNotIn(unrelated, ticket._get_possible_duplicates())
        self.assertNotIn(closed, ticket._get_possible_duplicates())

        # a stricter threshold keeps only the same customer; a broken setting falls back to the default
        self.env['ir.config_parameter'].set_param('helpdesk_ce.duplicate_similarity_threshold', 'sixty')
        self.assertEqual(Ticket._get_duplicate_threshold(), 60)
        self.env['ir.config_parameter'].set_param('helpdesk_ce.duplicate_similarity_threshold', '95')
        self.assertEqual(ticket._get_possible_duplicates(), same_customer | hidden, "hidden has the same subject")
        settings = self.env['res.config.settings'].create({})
        self.assertEqual(settings.helpdesk_duplicate_threshold, 95)

        # without pg_trgm the hint stays hidden
        with patch.object(self.env.registry, 'has_trigram', False):
            ticket.invalidate_recordset(['duplicate_ticket_count'])
            self.assertEqual(ticket.duplicate_ticket_count, 0)


@tagged('post_install', '-at_install')
class TestMergeMailGateway(HelpdeskMergeCommon, MailCommon):

    def _reply(self, message, subject):
        return self.format_and_process(
            TICKET_MAIL, 'Carla Customer <carla@example.com>', 'support@test.mycompany.com',
            subject=subject, extra='In-Reply-To: %s\n' % message.message_id,
            target_model='helpdesk.ticket', target_field='name')

    def test_reply_to_merged_ticket_lands_on_target(self):
        target = self._create_ticket(self.team_company, partner_id=self.customer.id)
        merged = self._create_ticket(self.team_company, partner_id=self.customer.id)
        sent = merged.message_post(body=Markup('<p>Did you try turning it off?</p>'), message_type='comment',
                                   partner_ids=self.customer.ids, subtype_xmlid='mail.mt_comment')
        self._merge(target | merged, target=target)
        summary = merged.message_ids.filtered(lambda m: 'Merged into' in m.body)
        self.assertEqual(len(summary), 1)
        merged_messages = merged.message_ids

        with self.mock_mail_gateway():
            # a reply to a message that moved with the merge
            self._reply(sent, 'Re: old thread')
            # a reply to the merged ticket itself
            self._reply(summary, 'Re: merged ticket')
        bodies = target.message_ids.mapped('body')
        self.assertEqual(len([b for b in bodies if 'My printer is on fire' in b]), 2)
        self.assertEqual(merged.message_ids, merged_messages, "nothing new on the merged ticket")

        # chains of merges are followed
        final = self._create_ticket(self.team_company, partner_id=self.customer.id)
        self._merge(final | target, target=final)
        with self.mock_mail_gateway():
            self._reply(summary, 'Re: merged twice')
        self.assertEqual(len(final.message_ids.filtered(lambda m: 'My printer is on fire' in m.body)), 3)
        self.assertFalse(merged.message_ids.filtered(lambda m: 'My printer is on fire' in m.body))


@tagged('post_install', '-at_install')
class TestMergeTour(HttpCase):

    def test_merge_from_the_list(self):
        agent = new_test_user(self.env, 'merge_agent', groups='helpdesk_ce.group_helpdesk_user', name='Merge Agent')
        team = self.env['helpdesk.team'].create({
            'name': 'Tour Team', 'privacy_visibility': 'internal', 'member_ids': [(4, agent.id)]})
        kept, duplicate = self.env['helpdesk.ticket'].create([
            {'name': 'Mouse is dead', 'team_id': team.id},
            {'name': 'Mouse does not work anymore', 'team_id': team.id},
        ])
        duplicate.message_post(body='Tried another USB port')
        self.start_tour('/web', 'helpdesk_ce_ticket_merge_tour', login='merge_agent')
        self.assertEqual(duplicate.merged_into_id, kept)
        self.assertFalse(duplicate.active)
        self.assertIn('Tried another USB port', ''.join(kept.message_ids.mapped('body')))
