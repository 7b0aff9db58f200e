"""Production settings: kam behind a TLS-terminating proxy. Passes `kam check --deploy`."""

from kam.settings.base import *  # noqa: F403
from kam.settings.env import env_bool, env_int

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("KAM_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("KAM_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
