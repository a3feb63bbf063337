"""The string formats a manifest may use, each defined once and checked exactly.

Values stay strings (what was sent is what is kept); each format is a strict string
with one validator. The TypeScript package carries the same definitions.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, StrictStr

_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_DATE_TIME = re.compile(
    r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(\.[0-9]+)?(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))$"
)
_IPV4_PART = re.compile(r"0|[1-9][0-9]{0,2}")
_HEX_GROUP = re.compile(r"[0-9A-Fa-f]{1,4}")
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


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _valid_day(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= _days_in_month(year, month)


def is_ipv4(value: str) -> bool:
    """Dotted-quad IPv4 address: four decimal parts 0–255, no leading zeros."""
    parts = value.split(".")
    return len(parts) == 4 and all(
        _IPV4_PART.fullmatch(part) and int(part) <= 255 for part in parts
    )


def is_ipv6(value: str) -> bool:
    """RFC 4291 text form of an IPv6 address, with an optional embedded IPv4 tail."""
    words = 8
    if "." in value:
        cut = value.rfind(":")
        if cut < 0 or not is_ipv4(value[cut + 1 :]):
            return False
        value = value[: cut + 1]
        value = value if value.endswith("::") else value[:-1]
        words = 6
    if value.count("::") > 1:
        return False
    if "::" in value:
        left, right = value.split("::")
        parts = (left.split(":") if left else []) + (right.split(":") if right else [])
        return len(parts) < words and all(_HEX_GROUP.fullmatch(part) for part in parts)
    parts = value.split(":")
    return len(parts) == words and all(_HEX_GROUP.fullmatch(part) for part in parts)


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
        if literal.startswith("IPv6:"):
            return is_ipv6(literal[5:])
        return is_ipv4(literal)
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
            return is_ipv6(host[1 : host.find("]")])
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
