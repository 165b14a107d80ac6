"""The interface catalogs: every message translated, none left fuzzy, placeholders kept, and the
compiled .mo files in step with the .po files the translators edit."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

LOCALE = Path(settings.LOCALE_PATHS[0])
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]")


def _entries(po: Path):
    """(context, msgid, msgstrs, flags) for each entry of a .po file, header excluded."""
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        flags: set[str] = set()
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                fields[key] += ast.literal_eval(line)
            else:
                key, _space, value = line.partition(" ")
                fields[key] = ast.literal_eval(value)
        if fields.get("msgid"):
            strs = [v for k, v in fields.items() if k.startswith("msgstr")]
            yield (
                fields.get("msgctxt"),
                fields["msgid"],
                fields.get("msgid_plural", ""),
                strs,
                flags,
            )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_with_its_placeholders(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    problems = []
    for _context, msgid, msgid_plural, msgstrs, flags in _entries(po):
        if "fuzzy" in flags:
            problems.append(f"fuzzy: {msgid!r}")
        if not all(msgstrs):
            problems.append(f"untranslated: {msgid!r}")
        # A plural entry may use the number in every form ("renewed once" / "%(count)s times").
        expected = set(PLACEHOLDER.findall(msgid)) | set(PLACEHOLDER.findall(msgid_plural))
        for msgstr in msgstrs:
            found = set(PLACEHOLDER.findall(msgstr))
            # A plural form may spell its number out ("two days" in Arabic's dual), no more.
            wrong = found - expected if len(msgstrs) > 1 else found ^ expected
            if msgstr and "python-format" in flags and wrong:
                problems.append(f"placeholders differ: {msgid!r} -> {msgstr!r}")
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalog_matches_its_source(language):
    folder = LOCALE / language / "LC_MESSAGES"
    with (folder / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for context, msgid, _plural, msgstrs, _flags in _entries(folder / "django.po"):
        if len(msgstrs) != 1:
            continue  # plural forms: checked by msgfmt when compiling
        got = compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)
        assert got == msgstrs[0], f"{language}: recompile the .mo ({msgid!r})"
