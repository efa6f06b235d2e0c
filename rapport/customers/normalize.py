"""Chinese-aware normalisation shared by validation, duplicate checks, import and search:
company names, USCC, phone numbers, pinyin (DESIGN §6)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidChecksum, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError

# Legal-form suffixes and brackets that do not tell two companies apart, longest first.
_SUFFIXES = sorted(
    [
        "股份有限公司",
        "有限责任公司",
        "集团有限公司",
        "有限公司",
        "集团公司",
        "分公司",
        "公司",
        "co ltd",
        "company limited",
        "co limited",
        "corporation",
        "corp",
        "limited",
        "ltd",
        "inc",
        "llc",
        "plc",
        "gmbh",
        "co",
    ],
    key=len,
    reverse=True,
)
_REGION_IN_BRACKETS = re.compile(r"[(（]\s*(中国|china|上海|北京|深圳|广州|香港)\s*[)）]", re.I)
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def fold(text: str) -> str:
    """Full-width to half-width, compatibility forms folded, lower case, spaces squeezed."""
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def company_key(name: str) -> str:
    """The part of a company name that identifies it: `北京科技有限公司`, `北京科技（中国）
    有限公司` and `ＢＥＩＪＩＮＧ科技 Co., Ltd.` fold to comparable keys."""
    text = _REGION_IN_BRACKETS.sub(" ", fold(name))
    text = _PUNCT.sub(" ", text).strip()
    while text:
        suffix = next((s for s in _SUFFIXES if text.endswith(s)), None)
        if suffix is None or text == suffix:
            break  # nothing left to strip, or the name is only a legal form
        text = text[: -len(suffix)].strip()
    return text.replace(" ", "")[:200]


def validate_uscc(value: str) -> None:
    """The 18-character unified social credit code with its check character (GB 32100)."""
    try:
        stdnum_uscc.validate(value)
    except InvalidLength:
        reason = _("it must have 18 characters")
    except InvalidChecksum:
        reason = _("its check character is wrong")
    except StdnumError:
        reason = _("it has characters a code cannot have")
    else:
        return
    raise ValidationError(
        _("“%(value)s” is not a valid unified social credit code: %(reason)s."),
        code="invalid_uscc",
        params={"value": value[:30], "reason": reason},
    )


def clean_uscc(value: str) -> str:
    value = fold(value).upper().replace(" ", "").replace("-", "")
    if value:
        validate_uscc(value)
    return value


_MARKED_EXTENSION = re.compile(r"\s*(?:ext\.?|extension|x|转|分机|#)\s*(\d{1,6})$", re.I)
_TRAILING_GROUP = re.compile(r"\s*-\s*(\d{1,5})$")


def _e164(text: str, region: str) -> str | None:
    digits = re.sub(r"\D", "", text)
    if digits.startswith("00"):
        text = "+" + digits[2:]
    elif digits.startswith("86") and len(digits) == 13 and digits[2] == "1":
        text = "+" + digits
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_phone(raw: str, region: str = "CN") -> tuple[str, str]:
    """(E.164, extension) from any common spelling: 13800138000, 138-0013-8000,
    +86 138 0013 8000, 0086…, 86…, (010) 6552-9988 转 123, 010-65529988-123.
    Raises ValidationError."""
    text = fold(raw).replace("（", "(").replace("）", ")")
    if not text:
        return "", ""
    extension = ""
    marked = _MARKED_EXTENSION.search(text)
    if marked:
        extension, text = marked.group(1), text[: marked.start()]
    number = _e164(text, region)
    trailing = _TRAILING_GROUP.search(text)
    if number is None and trailing and not extension:
        # 010-65529988-123: a dash group after a number that is whole without it.
        number = _e164(text[: trailing.start()], region)
        extension = trailing.group(1) if number else ""
    if number is None:
        raise ValidationError(
            _("“%(value)s” is not a phone number we recognise."),
            code="invalid_phone",
            params={"value": str(raw)[:40]},
        )
    return number, extension


def phone_key(raw: str) -> str:
    """E.164 or '' — for matching a typed phone against stored ones, never raising."""
    try:
        return parse_phone(raw)[0]
    except ValidationError:
        return ""


def display_phone(e164: str) -> str:
    """+8613800138000 → 138 0013 8000 for Chinese numbers, international format otherwise."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 86:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@lru_cache(maxsize=1)
def _pinyin():
    """pypinyin with its tone-mark-to-plain conversion memoised per syllable (the same for
    every character; ~1,500 syllables) and its reading memoised per segmented word."""
    from pypinyin.converter import DefaultConverter
    from pypinyin.core import Pinyin

    class CachedStyle(DefaultConverter):
        @lru_cache(maxsize=8192)  # noqa: B019 - one converter for the process
        def _styled(self, pinyin, style, strict):
            return DefaultConverter.convert_style(self, "", pinyin, style, strict)

        def convert_style(self, han, orig_pinyin, style, strict, **kwargs):
            return self._styled(orig_pinyin, style, strict)

        # Company names are made of few words (places, trades, 有限公司…): the reading of
        # each segmented word is worked out once (an import of 100,000 names repeats them).
        @lru_cache(maxsize=65536)  # noqa: B019 - one converter for the process
        def _word(self, words, style, heteronym, errors, strict):
            items = DefaultConverter.convert(self, words, style, heteronym, errors, strict)
            return tuple(tuple(item) for item in items)

        def convert(self, words, style, heteronym, errors, strict, **kwargs):
            if kwargs or not isinstance(errors, str):
                return DefaultConverter.convert(
                    self, words, style, heteronym, errors, strict, **kwargs
                )
            return [list(item) for item in self._word(words, style, heteronym, errors, strict)]

    return Pinyin(CachedStyle())


@lru_cache(maxsize=4096)
def pinyin_forms(text: str) -> tuple[str, str]:
    """(full pinyin, initials) of the Chinese in `text`: 北京科技 → (beijingkeji, bjkj).
    Heteronyms take their most common reading; other characters pass through folded.
    One conversion gives both: the initials are the first letters of the syllables."""
    folded = fold(text).replace(" ", "")
    items = _pinyin().lazy_pinyin(folded, errors="default")
    return "".join(items), "".join(item[:1] for item in items)


def search_text(*parts: str) -> str:
    """What the search box matches for a record: folded text and its pinyin forms."""
    words: list[str] = []
    for part in parts:
        if not part:
            continue
        folded = fold(part)
        words.append(folded.replace(" ", ""))
        if any("\u4e00" <= char <= "\u9fff" for char in folded):
            words.extend(pinyin_forms(folded))
    return " ".join(dict.fromkeys(word for word in words if word))
