"""vCard 3.0 (RFC 2426) export of a contact position."""

from d8coop.members.models import Position


def _escape(value: str) -> str:
    value = value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Content lines of at most 75 octets, continued with CRLF and a space (RFC 2425, 5.8.1)."""
    parts: list[str] = []
    current = ""
    for char in line:
        limit = 75 if not parts else 74  # a continuation line starts with a space
        if len((current + char).encode()) > limit:
            parts.append(current)
            current = ""
        current += char
    parts.append(current)
    return "\r\n ".join(parts)


def vcard(position: Position) -> str:
    """The position's current holder (or the position itself) with its visible numbers."""
    holding = next(iter(position.holdings.all()), None)
    name = str(holding.person) if holding else position.title or position.role
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{_escape(name)}"]
    if holding:
        lines.append(f"N:{_escape(holding.person.name)};;;{_escape(holding.person.honorific)};")
    else:
        lines.append("N:;;;;")  # a position, not a person: no name parts
    if position.organization:
        lines.append(f"ORG:{_escape(position.organization.name)}")
    if position.title:
        lines.append(f"TITLE:{_escape(position.title)}")
    lines.append(f"ROLE:{_escape(position.role)}")
    for number in position.numbers.all():
        kind = "FAX" if number.kind == "fax" else ("CELL" if number.kind == "mobile" else "VOICE")
        value = number.number + (f" ext. {number.extension}" if number.extension else "")
        lines.append(f"TEL;TYPE=WORK,{kind}:{_escape(value)}")
    if position.email:
        lines.append(f"EMAIL;TYPE=INTERNET:{position.email}")
    if position.address:
        country = position.member_state.name if position.member_state else ""
        lines.append(f"ADR;TYPE=WORK:;;{_escape(position.address)};;;;{_escape(country)}")
    lines.append("END:VCARD")
    return "".join(_fold(line) + "\r\n" for line in lines)
