"""What the accounts app tells the floors above it (they connect in their AppConfig.ready()).

* ``password_changed(sender=User, user=...)`` — sent after a new password has been saved:
  the site's password change and reset pages, the admin's password form, ``changepassword``,
  any ``set_password()`` followed by ``save()``. Not sent when Django merely re-hashes the
  same password on sign-in (a hasher upgrade), nor when an account is created.
  The API revokes the person's tokens on it (api/apps.py).
"""

from django.dispatch import Signal

password_changed = Signal()
