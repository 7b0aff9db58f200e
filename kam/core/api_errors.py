"""What the JSON API answers besides success, declared once so that every operation's OpenAPI
entry lists each status code it can return (schemathesis checks this in kam/core/tests).

- 401: no valid token and no session; 429: a token's requests per minute used up;
- 404: the object does not exist or is not visible to the caller (never "forbidden", so that
  nobody learns which ids exist); 422: a parameter that is not valid (type, range);
- 403 for operations that need a right the caller lacks, or a write with a read-only token.
"""

from django.conf import settings
from ninja import Schema
from ninja.pagination import LimitOffsetPagination
from pydantic import Field

#: The largest id or number a parameter may carry: ids fit a 32-bit key on every database, and
#: larger numbers made SQLite and PostgreSQL fail (500) instead of answering "not found".
MAX_ID = 2_147_483_647


class Problem(Schema):
    detail: str


class ValidationProblem(Schema):
    """The parameter errors, each with where (`loc`), what (`msg`) and the kind (`type`)."""

    detail: list[dict]


def responses(ok: object, *codes: int, success: int = 200) -> dict:
    """The operation's responses: `ok` for success, 401, 429 and 422 always, and `codes`."""
    declared: dict = {success: ok, 401: Problem, 422: ValidationProblem, 429: Problem}
    for code in codes:
        declared[code] = ValidationProblem if code == 422 else Problem
    return declared


class Pagination(LimitOffsetPagination):
    """Limit and offset within bounds the database can answer (else 422, not a 500)."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_ID)
