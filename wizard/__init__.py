"""The web: wizard steps, saved imports, runs, connections, login, JSON API, webhooks.

Filled by the wizard work.
"""
