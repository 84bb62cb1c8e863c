{
    'name': 'Helpdesk Community',
    'version': '17.0.1.0.0',
    'category': 'Services/Helpdesk',
    'summary': 'Support tickets from email, portal and web forms: teams, SLAs, assignment, ratings',
    'description': """
Helpdesk for Odoo 17 Community: teams with visibility levels, shared stages, tickets with SLA deadlines,
automatic assignment, customer portal, public ticket form, ratings, merge and conversion to CRM leads.
""",
    'author': 'Helpdesk Community contributors',
    'website': 'https://github.com/helpdesk-ce/helpdesk_ce',
    'license': 'LGPL-3',
    'depends': ['crm', 'portal', 'rating', 'sms', 'resource'],
    'excludes': ['helpdesk'],
    'data': [
        'security/helpdesk_security.xml',
        'security/ir.model.access.csv',
        'data/helpdesk_data.xml',
        'data/mail_template_data.xml',
        'data/ir_cron_data.xml',
        'views/helpdesk_stage_views.xml',
        'views/helpdesk_tag_views.xml',
        'views/helpdesk_ticket_category_views.xml',
        'views/helpdesk_ticket_views.xml',
        'views/helpdesk_team_views.xml',
        'views/helpdesk_menus.xml',
        'views/portal_templates.xml',
        'views/helpdesk_form_templates.xml',
        'views/res_config_settings_views.xml',
        'wizard/helpdesk_ticket_merge_views.xml',
        'wizard/helpdesk_ticket_convert_lead_views.xml',
    ],
    'demo': [
        'demo/helpdesk_demo.xml',
    ],
    'assets': {
        'web.assets_tests': [
            'helpdesk_ce/static/tests/tours/**/*',
        ],
    },
    'pre_init_hook': 'pre_init_hook',
    'application': True,
    'installable': True,
}
