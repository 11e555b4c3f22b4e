"""The demo data: the non-admin demo user has a password of its own (issue 11 #15)."""

import os
import stat

from host import demo
from host.models import User


def test_the_demo_user_does_not_share_the_admins_password(app):
    lines = list(demo.load(app))
    admin_password, user_password = demo.admin_password(app), demo.user_password(app)
    assert admin_password != user_password
    admin = User.get(User.email == demo.ADMIN_EMAIL)
    user = User.get(User.email == demo.DEMO_USER_EMAIL)
    assert admin.check_password(admin_password) and not admin.check_password(user_password)
    assert user.check_password(user_password) and not user.check_password(admin_password)
    assert user_password in lines[-1] and admin_password in lines[-1]
    for name in ("demo_admin_password", "demo_user_password"):
        path = os.path.join(app.instance_path, name)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
