import pytest

from hotline.kit import crypto

KEY1 = "k1:00112233445566778899aabbccddeeff"
KEY2 = "k2:ffeeddccbbaa99887766554433221100"


def make(spec: str) -> crypto.PiiCipher:
    return crypto.PiiCipher(crypto.parse_keyring(spec), b"index-key")


def test_sm4_round_trip_hides_the_plaintext():
    cipher = make(KEY1)
    token = cipher.encrypt("13812348000")
    assert token.startswith("k1:")
    assert "13812348000" not in token
    assert cipher.decrypt(token) == "13812348000"


def test_each_encryption_uses_a_fresh_nonce():
    cipher = make(KEY1)
    assert cipher.encrypt("张三") != cipher.encrypt("张三")


def test_tampered_ciphertext_is_rejected():
    cipher = make(KEY1)
    key_id, _, blob = cipher.encrypt("张三丰").partition(":")
    raw = bytearray(crypto.base64.b64decode(blob))
    raw[14] ^= 0x01
    with pytest.raises(Exception):  # noqa: B017 (cryptography raises InvalidTag)
        cipher.decrypt(f"{key_id}:{crypto.base64.b64encode(bytes(raw)).decode()}")


def test_rotation_keeps_old_ciphertexts_readable_and_encrypts_with_the_new_key():
    old = make(KEY1).encrypt("地址")
    rotated = make(f"{KEY2},{KEY1}")
    assert rotated.decrypt(old) == "地址"
    assert rotated.encrypt("地址").startswith("k2:")


def test_a_ciphertext_under_a_removed_key_is_refused():
    old = make(KEY1).encrypt("x")
    with pytest.raises(crypto.KeyError_):
        make(KEY2).decrypt(old)


@pytest.mark.parametrize("spec", ["", "k1", "k1:0011", "k-1:00112233445566778899aabbccddeeff"])
def test_malformed_keyrings_are_refused(spec):
    with pytest.raises((crypto.KeyError_, ValueError)):
        crypto.parse_keyring(spec)


def test_blind_index_is_keyed_and_deterministic():
    a = crypto.PiiCipher(crypto.parse_keyring(KEY1), b"a")
    b = crypto.PiiCipher(crypto.parse_keyring(KEY1), b"b")
    assert a.blind_index("13812348000") == a.blind_index("13812348000")
    assert a.blind_index("13812348000") != b.blind_index("13812348000")


def test_sm3_matches_the_standard_test_vector():
    # GB/T 32905-2016, example 1: SM3("abc")
    assert crypto.sm3(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


@pytest.mark.parametrize(
    ("fn", "value", "masked"),
    [
        (crypto.mask_phone, "13812348000", "138****8000"),
        (crypto.mask_phone, "01012345678", "010****5678"),
        (crypto.mask_phone, "12345", "*2345"),
        (crypto.mask_name, "张三丰", "张**"),
        (crypto.mask_name, "李四", "李*"),
        (crypto.mask_id_number, "11010519491231002X", "110***********002X"),
        (crypto.mask_address, "示范省青川市东城区幸福路1号", "示范省青川市****"),
        (crypto.mask_phone, None, None),
    ],
)
def test_masking(fn, value, masked):
    assert fn(value) == masked
