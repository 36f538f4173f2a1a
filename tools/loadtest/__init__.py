"""A bounded load generator, ``python -m tools.loadtest`` (threads + keep-alive http.client).

It lives outside the app packages (it signs in, posts needs and reads every app's pages, so it
sits above all the floors; no app imports it).

Loopback only, stops by itself: every phase ends after its duration and every request has a
timeout. See tools/loadtest/command.py for the usage.
"""
