"""Chinese-aware normalisation: company names, USCC, phones, pinyin (DESIGN §6)."""

from django.core.exceptions import ValidationError
from django.test import SimpleTestCase
from hypothesis import given
from hypothesis import strategies as st

from rapport.customers.normalize import (
    clean_uscc,
    company_key,
    display_phone,
    fold,
    parse_phone,
    phone_key,
    pinyin_forms,
    search_text,
)


class CompanyKeyTests(SimpleTestCase):
    def test_suffixes_brackets_width_and_case_fold_to_one_key(self):
        names = [
            "北京科技有限公司",
            "北京科技股份有限公司",
            "北京科技有限责任公司",
            "北京科技（中国）有限公司",
            "北京科技(中国)有限公司",
            " 北京科技 有限公司 ",
            "北京科技",
        ]
        self.assertEqual({company_key(name) for name in names}, {"北京科技"})

    def test_latin_names_and_full_width(self):
        names = ["Acme Co., Ltd.", "ACME CO LTD", "Ａｃｍｅ Ｉｎｃ.", "acme limited", "Acme"]
        self.assertEqual({company_key(name) for name in names}, {"acme"})

    def test_a_suffix_alone_is_kept(self):
        self.assertEqual(company_key("有限公司"), "有限公司")

    @given(st.text(max_size=300))
    def test_never_raises_and_is_bounded(self, name):
        key = company_key(name)
        self.assertLessEqual(len(key), 200)
        self.assertEqual(company_key(key), company_key(key))


class UsccTests(SimpleTestCase):
    def test_valid_code_is_upper_cased(self):
        self.assertEqual(clean_uscc("91110000600037341l"), "91110000600037341L")
        self.assertEqual(clean_uscc(" ９１１１００００６０００３７３４１Ｌ "), "91110000600037341L")

    def test_bad_check_character_and_length_are_refused(self):
        for value in ["91110000600037341A", "9111000060003734", "ABCDEFGHIJKLMNOPQR"]:
            with self.subTest(value=value), self.assertRaises(ValidationError) as caught:
                clean_uscc(value)
            self.assertEqual(caught.exception.code, "invalid_uscc")


class PhoneTests(SimpleTestCase):
    def test_every_common_mobile_spelling(self):
        for raw in [
            "13800138000",
            "138-0013-8000",
            "138 0013 8000",
            "+86 138 0013 8000",
            "+86-138-0013-8000",
            "008613800138000",
            "8613800138000",
            "(+86) 13800138000",
            "１３８００１３８０００",
        ]:
            with self.subTest(raw=raw):
                self.assertEqual(parse_phone(raw), ("+8613800138000", ""))

    def test_landlines_with_area_code_and_extension(self):
        cases = {
            "010-65529988": ("+861065529988", ""),
            "(010) 6552 9988": ("+861065529988", ""),
            "010-65529988-123": ("+861065529988", "123"),
            "010 6552 9988 转 123": ("+861065529988", "123"),
            "021-5089 6000 ext. 8": ("+862150896000", "8"),
            "0755-8888 6666#66": ("+8675588886666", "66"),
        }
        for raw, expected in cases.items():
            with self.subTest(raw=raw):
                self.assertEqual(parse_phone(raw), expected)

    def test_foreign_numbers_keep_their_country(self):
        self.assertEqual(parse_phone("+1 650-253-0000")[0], "+16502530000")
        self.assertEqual(parse_phone("+852 2123 4567")[0], "+85221234567")

    def test_garbage_is_refused_with_a_code(self):
        for raw in ["12345", "abc", "138001380001234567", "<script>"]:
            with self.subTest(raw=raw), self.assertRaises(ValidationError) as caught:
                parse_phone(raw)
            self.assertEqual(caught.exception.code, "invalid_phone")
        self.assertEqual(phone_key("not a phone"), "")
        self.assertEqual(parse_phone("  "), ("", ""))

    def test_display(self):
        self.assertEqual(display_phone("+8613800138000"), "138 0013 8000")
        self.assertEqual(display_phone(""), "")


class PinyinTests(SimpleTestCase):
    def test_full_and_initials(self):
        self.assertEqual(pinyin_forms("北京科技"), ("beijingkeji", "bjkj"))

    def test_search_text_holds_folded_text_and_pinyin(self):
        text = search_text("北京科技有限公司", "Ｂ Ｔ", "")
        for needle in ["北京科技有限公司", "beijingkeji", "bjkj", "bt"]:
            self.assertIn(needle, text)

    def test_fold(self):
        self.assertEqual(fold("  ＡＢＣ　ｄｅｆ "), "abc def")
