"""Field checks shared by the import sections (listings' own and higher apps').

Each check reports problems through ``ctx.error(place, message)`` with the record's place,
e.g. ``offerings[12].sectors: unknown code "fintech"``, and returns the cleaned value (or
``None`` when the value is unusable). Messages are in English, like management command
output; they name the field and the offending value.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator

from matchmaking.listings.io.registry import ImportContext

_MISSING = object()


def show(value) -> str:
    """The value as it appears in the file (JSON), shortened."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"


def records(section: str, items: list, ctx: ImportContext) -> Iterator[tuple[int, str, dict]]:
    """(index, place, record) for every record that is a JSON object (others are reported
    by the importer)."""
    for index, record in enumerate(items):
        if isinstance(record, dict):
            yield index, f"{section}[{index}]", record


def text(
    ctx: ImportContext,
    record: dict,
    place: str,
    name: str,
    *,
    required: bool = False,
    max_length: int | None = None,
) -> str | None:
    value = record.get(name, _MISSING)
    if value is _MISSING or value is None:
        if required:
            ctx.error(f"{place}.{name}", "required")
        return None if required else ""
    if not isinstance(value, str):
        ctx.error(f"{place}.{name}", f"expected a string, got {show(value)}")
        return None
    if required and not value.strip():
        ctx.error(f"{place}.{name}", "must not be empty")
        return None
    if max_length is not None and len(value) > max_length:
        ctx.error(f"{place}.{name}", f"too long ({len(value)} characters; at most {max_length})")
        return None
    return value


def choice(
    ctx: ImportContext,
    record: dict,
    place: str,
    name: str,
    allowed: Iterable[str],
    *,
    required: bool = False,
    nullable: bool = False,
    default: str | None = None,
) -> str | None:
    allowed = list(allowed)
    value = record.get(name, _MISSING)
    if value is _MISSING or (value is None and not required):
        if required:
            ctx.error(f"{place}.{name}", "required")
        return default
    if value is None and nullable:
        return None
    if not isinstance(value, str) or value not in allowed:
        ctx.error(
            f"{place}.{name}",
            f"unknown value {show(value)} (expected one of: {', '.join(allowed)})",
        )
        return None
    return value


def code(
    ctx: ImportContext,
    record: dict,
    place: str,
    name: str,
    codes: set[str],
    *,
    required: bool = False,
) -> str | None:
    """A single taxonomy code (null allowed unless required)."""
    value = record.get(name)
    if value is None:
        if required:
            ctx.error(f"{place}.{name}", "required")
        return None
    if not isinstance(value, str):
        ctx.error(f"{place}.{name}", f"expected a code, got {show(value)}")
        return None
    if value not in codes:
        ctx.error(f"{place}.{name}", f'unknown code "{value}"')
        return None
    return value


def code_list(
    ctx: ImportContext, record: dict, place: str, name: str, codes: set[str]
) -> list[str]:
    """A list of taxonomy codes; missing or null means []."""
    value = record.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        ctx.error(f"{place}.{name}", f"expected a list of codes, got {show(value)}")
        return []
    cleaned: list[str] = []
    for item in value:
        if not isinstance(item, str):
            ctx.error(f"{place}.{name}", f"expected a code, got {show(item)}")
        elif item not in codes:
            ctx.error(f"{place}.{name}", f'unknown code "{item}"')
        elif item not in cleaned:
            cleaned.append(item)
    return cleaned


def string_list(
    ctx: ImportContext,
    record: dict,
    place: str,
    name: str,
    *,
    max_items: int = 50,
    max_length: int = 60,
) -> list[str]:
    value = record.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        ctx.error(f"{place}.{name}", f"expected a list of strings, got {show(value)}")
        return []
    if len(value) > max_items:
        ctx.error(f"{place}.{name}", f"too many items ({len(value)}; at most {max_items})")
        return []
    cleaned: list[str] = []
    for item in value:
        if not isinstance(item, str):
            ctx.error(f"{place}.{name}", f"expected a string, got {show(item)}")
        elif len(item) > max_length:
            ctx.error(f"{place}.{name}", f"item too long: {show(item)} (at most {max_length})")
        elif item.strip():
            cleaned.append(item.strip())
    return cleaned


def amount(ctx: ImportContext, record: dict, place: str, name: str) -> int | None:
    """A non-negative whole number of CNY, or null."""
    value = record.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        ctx.error(f"{place}.{name}", f"expected a whole number of CNY or null, got {show(value)}")
        return None
    if isinstance(value, float) and not value.is_integer():
        ctx.error(f"{place}.{name}", f"expected a whole number of CNY, got {show(value)}")
        return None
    if value < 0:
        ctx.error(f"{place}.{name}", f"must not be negative, got {show(value)}")
        return None
    if value > 9_000_000_000_000_000:
        ctx.error(f"{place}.{name}", f"too large: {show(value)}")
        return None
    return int(value)


def min_max(
    ctx: ImportContext, place: str, low_name: str, low: int | None, high_name: str, high
) -> None:
    if low is not None and high is not None and low > high:
        ctx.error(f"{place}.{low_name}", f"{low_name} {low} is greater than {high_name} {high}")


def boolean(ctx: ImportContext, record: dict, place: str, name: str) -> bool:
    value = record.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        ctx.error(f"{place}.{name}", f"expected true or false, got {show(value)}")
        return False
    return value


def date(ctx: ImportContext, record: dict, place: str, name: str) -> dt.date | None:
    value = record.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    ctx.error(f"{place}.{name}", f"expected a date YYYY-MM-DD, got {show(value)}")
    return None


def datetime(ctx: ImportContext, record: dict, place: str, name: str) -> dt.datetime | None:
    value = record.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None:
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=dt.UTC)
            return parsed
    ctx.error(
        f"{place}.{name}", f"expected a date-time like 2024-05-01T09:30:00+08:00, got {show(value)}"
    )
    return None


def reference(
    ctx: ImportContext,
    record: dict,
    place: str,
    name: str,
    section: str,
    *,
    required: bool = False,
) -> str | None:
    """A ref to a record of `section` that is in the file or already in the database."""
    value = record.get(name)
    if value is None:
        if required:
            ctx.error(f"{place}.{name}", "required")
        return None
    if not isinstance(value, str):
        ctx.error(f"{place}.{name}", f"expected a ref, got {show(value)}")
        return None
    if not ctx.ref_exists(section, value):
        ctx.error(f"{place}.{name}", f'unknown {section} ref "{value}"')
        return None
    return value
