"""The web: wizard steps, saved imports, runs, connections, login, JSON API, webhooks.

`web.init_app` registers the browser side (security.py: session key, cookies, CSRF, headers;
auth.py: sign-in and the login gate; views.py: the wizard, whose steps are declared in steps.py).
`api.py` and `webhooks.py` are the machine side: they authenticate each request themselves.
"""
