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
        'data/helpdesk_sla_cron.xml',
        'views/helpdesk_stage_views.xml',
        'views/helpdesk_tag_views.xml',
        'views/helpdesk_ticket_category_views.xml',
        'views/helpdesk_sla_views.xml',
        'views/helpdesk_ticket_views.xml',
        'views/helpdesk_team_views.xml',
        'report/helpdesk_report_views.xml',
        'views/helpdesk_menus.xml',
    ],
    'demo': [
        'demo/helpdesk_demo.xml',
    ],
    'assets': {
        'web.assets_backend': [
            'helpdesk_ce/static/src/**/*',
        ],
        'web.assets_tests': [
            'helpdesk_ce/static/tests/tours/**/*',
        ],
    },
    'pre_init_hook': 'pre_init_hook',
    'application': True,
    'installable': True,
}
