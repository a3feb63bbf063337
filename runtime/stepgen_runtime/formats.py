"""The string formats a manifest may use, each defined once and checked exactly.

Values stay strings (what was sent is what is kept); each format is a strict string
with one validator. The TypeScript package carries the same definitions.
"""

from __future__ import annotations

import ipaddress
import re
from calendar import monthrange
from typing import Annotated

from pydantic import AfterValidator, StrictStr

_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_DATE_TIME = re.compile(
    r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(\.[0-9]+)?(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))$"
)
_UUID = re.compile(r"^[0-9A-Fa-f]{8}-(?:[0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}$")
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = re.compile(rf'^(?:{_ATOM}(?:\.{_ATOM})*|"(?:[^"\\\r\n]|\\.)*")$')
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
_URI = re.compile(
    r"^[A-Za-z][A-Za-z0-9+.-]*:"
    r"(?://(?:(?:[A-Za-z0-9._~!$&'()*+,;=:-]|%[0-9A-Fa-f]{2})*@)?"
    r"(?:\[[0-9A-Fa-f:.]+\]|(?:[A-Za-z0-9._~!$&'()*+,;=-]|%[0-9A-Fa-f]{2})*)"
    r"(?::[0-9]*)?(?=[/?#]|$)|(?!//))"
    r"(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})*"
    r"(?:\?(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*)?"
    r"(?:#(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*)?$"
)


def _valid_day(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= monthrange(year, month)[1]


def is_date(value: str) -> bool:
    """RFC 3339 full-date: ``YYYY-MM-DD`` naming a real day."""
    match = _DATE.fullmatch(value)
    return bool(match) and _valid_day(*(int(part) for part in match.groups()))  # type: ignore[union-attr]


def is_date_time(value: str) -> bool:
    """RFC 3339 date-time with a time zone offset (``Z`` or ``±HH:MM``)."""
    match = _DATE_TIME.fullmatch(value)
    if not match:
        return False
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    if not _valid_day(year, month, day) or hour > 23 or minute > 59 or second > 60:
        return False
    offset = 0
    if match.group(9):
        off_hour, off_minute = int(match.group(10)), int(match.group(11))
        if off_hour > 23 or off_minute > 59:
            return False
        offset = (off_hour * 60 + off_minute) * (1 if match.group(9) == "+" else -1)
    if second == 60:
        utc_minutes = (hour * 60 + minute - offset) % (24 * 60)
        return utc_minutes == 23 * 60 + 59
    return True


def is_uuid(value: str) -> bool:
    """RFC 9562 UUID in its hyphenated text form."""
    return bool(_UUID.fullmatch(value))


def is_email(value: str) -> bool:
    """RFC 5321 mailbox: local part, ``@``, domain or address literal."""
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain or not _LOCAL.fullmatch(local):
        return False
    if domain.startswith("[") and domain.endswith("]"):
        literal = domain[1:-1]
        try:
            if literal.startswith("IPv6:"):
                ipaddress.IPv6Address(literal[5:])
            else:
                ipaddress.IPv4Address(literal)
        except ValueError:
            return False
        return True
    return bool(_DOMAIN.fullmatch(domain))


def is_uri(value: str) -> bool:
    """RFC 3986 absolute URI (a scheme is required), ASCII only."""
    if not value.isascii() or not _URI.fullmatch(value):
        return False
    authority = value.split(":", 1)[1]
    if authority.startswith("//"):
        host = authority[2:].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
        host = host.rpartition("@")[2]
        if host.startswith("["):
            literal = host[1 : host.find("]")]
            try:
                ipaddress.IPv6Address(literal)
            except ValueError:
                return False
    return True


def _checked(name: str, test: object) -> AfterValidator:
    def check(value: str) -> str:
        if not test(value):  # type: ignore[operator]
            raise ValueError(f"not a valid {name}")
        return value

    return AfterValidator(check)


CHECKS = {
    "date": is_date,
    "date-time": is_date_time,
    "uuid": is_uuid,
    "email": is_email,
    "uri": is_uri,
}

Date = Annotated[StrictStr, _checked("date", is_date)]
DateTime = Annotated[StrictStr, _checked("date-time", is_date_time)]
Uuid = Annotated[StrictStr, _checked("uuid", is_uuid)]
Email = Annotated[StrictStr, _checked("email", is_email)]
Uri = Annotated[StrictStr, _checked("uri", is_uri)]

__all__ = ["CHECKS", "Date", "DateTime", "Email", "Uri", "Uuid"]
