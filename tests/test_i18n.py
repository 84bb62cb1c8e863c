import importlib.util
import os

import polib

from odoo.modules.module import get_module_path
from odoo.tests import tagged
from odoo.tools.translate import TranslationModuleReader

from odoo.addons.mail.tests.common import MailCase

from .common import HelpdeskCommon, HelpdeskHttpCommon

LANGS = ('fr_FR', 'ja_JP')


def _i18n_check():
    """tools/i18n_check.py, the script `make i18n-check` runs: the test and the script judge alike."""
    path = os.path.join(get_module_path('helpdesk_ce'), 'tools', 'i18n_check.py')
    spec = importlib.util.spec_from_file_location('helpdesk_ce_i18n_check', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TranslatedMixin:
    """French and Japanese installed, with the addon's terms loaded from its .po files."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for code in LANGS:
            cls.env['res.lang']._activate_lang(code)
        cls.env['ir.module.module']._load_module_terms(['helpdesk_ce'], list(LANGS), overwrite=True)


@tagged('post_install', '-at_install')
class TestTranslationFiles(HelpdeskCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.i18n_dir = os.path.join(get_module_path('helpdesk_ce'), 'i18n')
        cls.pot = polib.pofile(os.path.join(cls.i18n_dir, 'helpdesk_ce.pot'))

    def test_po_files_translate_every_msgid_of_the_pot(self):
        check = _i18n_check()
        for lang in ('fr', 'ja'):
            problems = check.check_po(self.pot, polib.pofile(os.path.join(self.i18n_dir, '%s.po' % lang)))
            for kind, msgids in problems.items():
                self.assertFalse(msgids, "%s.po: %s msgids" % (lang, kind))

    def test_pot_has_the_addons_terms(self):
        """The committed .pot against the terms Odoo exports from this database (`make pot` exports from the
        test database, without demo data): a string added or changed in the code, a view or data fails here
        until `make pot` and the .po files follow."""
        exported = {row[4] for row in TranslationModuleReader(self.env.cr, modules=['helpdesk_ce'])}
        added, gone = _i18n_check().compare_pot(self.pot, [polib.POEntry(msgid=msgid) for msgid in exported])
        self.assertEqual(added, [], "terms missing from i18n/helpdesk_ce.pot: run `make pot`")
        self.assertEqual(gone, [], "terms of i18n/helpdesk_ce.pot the addon no longer has: run `make pot`")

    def test_placeholders_are_checked(self):
        check = _i18n_check()
        pot = polib.POFile()
        pot.append(polib.POEntry(msgid="Merged into %s"))
        po = polib.POFile()
        po.append(polib.POEntry(msgid="Merged into %s", msgstr="Fusionné"))
        self.assertEqual(check.check_po(pot, po)['placeholders'], ["Merged into %s"])


@tagged('post_install', '-at_install')
class TestTranslatedEmails(TranslatedMixin, HelpdeskCommon, MailCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._init_mail_gateway()
        cls.env.company.email = 'support@example.com'

    def test_acknowledgement_in_the_customers_language(self):
        expected = {
            'fr_FR': ('nous avons bien reçu votre demande', 'Nous avons bien reçu votre demande'),
            'ja_JP': ('ご依頼を受け付けました', 'を受け付けました'),
            'en_US': ('we received your request', 'We received your request'),
        }
        for lang, (subject, body) in expected.items():
            with self.subTest(lang=lang):
                customer = self.env['res.partner'].create(
                    {'name': 'Customer %s' % lang, 'email': '%s@example.com' % lang.lower(), 'lang': lang})
                with self.mock_mail_gateway():
                    ticket = self._create_ticket(self.team_public, partner_id=customer.id)
                    self._run_stage_messages_job()
                mail = self._new_mails.filtered(lambda mail: customer in mail.recipient_ids)  # sent or queued
                self.assertEqual(len(mail), 1)
                self.assertIn(subject, mail.subject)
                self.assertIn(ticket.ticket_ref, mail.subject)
                self.assertIn(body, mail.body_html)

    def test_batch_acknowledgements_each_in_its_customers_language(self):
        """A batch is rendered at once: each customer still reads their own language."""
        customers = self.env['res.partner'].create([
            {'name': 'Client', 'email': 'client@example.com', 'lang': 'fr_FR'},
            {'name': 'Kyaku', 'email': 'kyaku@example.com', 'lang': 'ja_JP'},
        ])
        with self.mock_mail_gateway():
            tickets = self.env['helpdesk.ticket'].create([
                {'name': 'Batch %s' % customer.name, 'team_id': self.team_public.id, 'partner_id': customer.id}
                for customer in customers])
            self._run_stage_messages_job()
        for ticket, customer, subject in zip(tickets, customers, ('nous avons bien reçu', 'を受け付けました')):
            mail = self._new_mails.filtered(lambda mail: customer in mail.recipient_ids)
            self.assertEqual(len(mail), 1)
            self.assertIn(subject, mail.subject)
            self.assertIn(ticket.ticket_ref, mail.subject)
            self.assertEqual(mail.res_id, ticket.id)

    def test_rating_request_in_the_customers_language(self):
        self.team_public.use_rating = True
        customer = self.env['res.partner'].create({'name': 'Kenji', 'email': 'kenji@example.com', 'lang': 'ja_JP'})
        ticket = self._create_ticket(self.team_public, partner_id=customer.id)
        self._run_stage_messages_job()  # the acknowledgement
        with self.mock_mail_gateway():
            ticket.stage_id = self.stage_solved
        request = self._new_mails.filtered(lambda mail: customer in mail.recipient_ids)  # queued for the cron
        self.assertEqual(len(request), 1)
        self.assertIn('サポートはいかがでしたか', request.subject)
        self.assertIn('解決しました', request.body_html)


@tagged('post_install', '-at_install')
class TestTranslatedPages(TranslatedMixin, HelpdeskHttpCommon):
    """The portal speaks the portal user's language; the public form the visitor's browser language."""

    PAGES = {  # language: (portal ticket page, public form page, form error)
        'fr_FR': (['Géré par', 'Ouvert le', 'Nouveau'], ['Votre nom', 'Envoyer'],
                  'Veuillez indiquer votre adresse email'),
        'ja_JP': (['担当チーム', '受付日', '新規'], ['お名前', '送信'], 'メールアドレスを入力してください'),
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_public.use_website_helpdesk_form = True

    def test_portal_in_the_users_language(self):
        for lang, (ticket_page, _form, _error) in self.PAGES.items():
            with self.subTest(lang=lang):
                self.portal.lang = lang
                ticket = self._create_ticket(self.team_public, partner_id=self.portal.partner_id.id)
                self.authenticate(self.portal.login, self.portal.login)
                response = self.url_open('/my/tickets/%s' % ticket.id)
                self.assertEqual(response.status_code, 200)
                for text in ticket_page:
                    self.assertIn(text, response.text)
                self.assertNotIn('Managed by', response.text)
                listing = self.url_open('/my/tickets')
                self.assertIn(ticket.ticket_ref, listing.text)
                self.assertNotIn('<th>Subject</th>', listing.text)

    def test_public_form_in_the_browsers_language(self):
        url = '/helpdesk/%s' % self.team_public.id
        browsers = {'fr_FR': 'fr-FR,fr;q=0.9,en;q=0.5', 'ja_JP': 'ja,en-US;q=0.7'}
        for lang, (_portal, form_page, error) in self.PAGES.items():
            with self.subTest(lang=lang):
                self.authenticate(None, None)
                self.opener.cookies.clear()
                headers = {'Accept-Language': browsers[lang]}
                response = self.url_open(url, headers=headers)
                self.assertEqual(response.status_code, 200)
                for text in form_page:
                    self.assertIn(text, response.text)
                self.assertNotIn('Your Name', response.text)
                # the answer to a POST keeps the language the form was shown in
                response = self.url_open(url + '/submit', headers=headers, data={
                    'csrf_token': self._csrf_token(), 'partner_name': 'Vera', 'name': 'Cannot log in',
                    'description': 'Since this morning.'})
                self.assertIn(error, response.text)

    def test_public_form_in_english_by_default(self):
        self.authenticate(None, None)
        response = self.url_open('/helpdesk/%s' % self.team_public.id, headers={'Accept-Language': 'de-DE'})
        self.assertIn('Your Name', response.text)
