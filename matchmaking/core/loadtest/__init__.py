"""A bounded load generator for `manage.py loadtest` (threads + keep-alive http.client).

Loopback only, stops by itself: every phase ends after its duration and every request has a
timeout. See matchmaking/core/management/commands/loadtest.py for the usage.
"""
