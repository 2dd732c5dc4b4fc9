import pytest

from hotline.kit import validate
from hotline.kit.errors import InvalidInput


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("13812348000", "13812348000"),
        ("+86 138-1234-8000", "13812348000"),
        ("010-12345678", "01012345678"),
        ("0351 7654321", "03517654321"),
    ],
)
def test_valid_phone_numbers_are_normalised(raw, canonical):
    assert validate.phone(raw) == canonical


@pytest.mark.parametrize("raw", ["", "12345", "1381234800", "abc", "+1 202 555 0100", "1" * 40, "138\n12348000"])
def test_invalid_phone_numbers_name_the_field(raw):
    with pytest.raises(InvalidInput) as err:
        validate.phone(raw, "caller_phone")
    assert err.value.field == "caller_phone"


def test_plain_mobile_numbers_take_the_short_way_to_the_same_answer():
    """Eleven plain digits are matched against the library's own mobile pattern instead of
    parsed: every such number gets what parsing would give (valid or not)."""
    import random

    import phonenumbers

    rng = random.Random(24)
    numbers = ["1" + "".join(rng.choice("0123456789") for _ in range(10)) for _ in range(3000)]
    numbers += [f"1{p}{rng.randrange(10**8):08d}" for p in range(10, 100)]  # every second/third digit
    valid = 0
    for raw in numbers:
        parsed = phonenumbers.parse(raw, "CN")
        expected = raw if phonenumbers.is_valid_number(parsed) else None
        validate._national_digits.cache_clear()
        assert validate._national_digits(raw)[0] == expected, raw
        valid += expected is not None
    assert 0 < valid < len(numbers)  # both kinds were tried


def test_uscc_check_digit_is_verified():
    assert validate.uscc_code("91110000600037341L") == "91110000600037341L"
    with pytest.raises(InvalidInput) as err:
        validate.uscc_code("91110000600037341X")
    assert err.value.field == "uscc"


def test_id_number_check_digit_is_verified():
    assert validate.id_number("11010519491231002X") == "11010519491231002X"
    with pytest.raises(InvalidInput):
        validate.id_number("110105194912310021")


@pytest.mark.parametrize("code", ["990000", "990100", "990102", "990102001", "429004"])
def test_well_formed_region_codes(code):
    assert validate.region_code(code) == code


@pytest.mark.parametrize("code", ["", "99000", "0990000", "abcdef", "990012", "990102000", "990100001", "99010200１"])
def test_malformed_region_codes(code):
    with pytest.raises(InvalidInput):
        validate.region_code(code)


@pytest.mark.parametrize(
    ("code", "level", "parents"),
    [
        ("990000", "province", []),
        ("990100", "city", ["990000"]),
        ("990102", "county", ["990100"]),
        ("429004", "county", ["420000"]),
        ("990102001", "township", ["990102"]),
    ],
)
def test_region_level_and_possible_parents(code, level, parents):
    assert validate.region_level_of(code) == level
    assert validate.parent_codes(code) == parents


def test_text_rejects_control_characters_and_oversized_values():
    with pytest.raises(InvalidInput, match="长度"):
        validate.text("x" * 51, "name", max_length=50)
    with pytest.raises(InvalidInput, match="控制字符"):
        validate.text("a\x00b", "name", max_length=50)
    assert validate.text("  ", "name", max_length=5, required=False) is None


@pytest.mark.parametrize("bad", ["a\x0bb", "a\x1fb", "a\x08b", "a\x00b"])
def test_multiline_text_keeps_line_breaks_and_tabs_and_refuses_other_control_characters(bad):
    assert validate.text("第一行\r\n\t第二行\r第三行", "content", max_length=50, multiline=True) == \
        "第一行\n\t第二行\n第三行"
    with pytest.raises(InvalidInput, match="控制字符"):
        validate.text(bad, "content", max_length=50, multiline=True)
    with pytest.raises(InvalidInput, match="控制字符"):
        validate.text("a\tb", "name", max_length=50)
