"""The password rules (pure, no I/O): what a new password must be.

MLPS level 3 (等保三级) asks for complex passwords changed periodically. A password is
refused when it is:

- shorter than 10 or longer than 128 characters, or padded with spaces at either end
  (``'          1a'`` is two characters of password);
- made of fewer than three of the four classes: lower case, upper case, digits, symbols;
- the published demo password, or contains the account's user name;
- easy to guess by zxcvbn's estimate (score below 3): common passwords, keyboard walks,
  dates, repeats, and the account's own data (user name, display name, phone number) and the
  platform's words ("hotline", "12345").

Reuse (the current password and the last few) is checked by the service, which has the hashes.
"""

from __future__ import annotations

import re

from zxcvbn import zxcvbn

from hotline.kit.errors import InvalidInput

MIN_LENGTH = 10
MAX_LENGTH = 128
MIN_CLASSES = 3
MIN_SCORE = 3
#: Passwords printed in the README for the demo: never a real account's choice.
PUBLISHED_PASSWORDS = frozenset({"hotline2026"})
#: Words every attacker of this platform tries first.
PLATFORM_WORDS = ("hotline", "12345", "12345hotline", "rexian", *PUBLISHED_PASSWORDS)

_CLASSES = (re.compile(r"[a-z]"), re.compile(r"[A-Z]"), re.compile(r"\d"), re.compile(r"[^A-Za-z0-9]"))


def check(password: str, field: str = "password", *, username: str = "", display_name: str = "",
          phone: str | None = None) -> None:
    """Raise :class:`InvalidInput` naming ``field`` and the reason (Chinese) when ``password``
    breaks a rule above."""
    if password != password.strip():
        raise InvalidInput(field, "密码首尾不能有空格")
    if password.lower() in PUBLISHED_PASSWORDS:
        raise InvalidInput(field, "不能使用公开的演示密码")
    if len(password) < MIN_LENGTH or len(password) > MAX_LENGTH:
        raise InvalidInput(field, f"密码长度应为 {MIN_LENGTH}–{MAX_LENGTH} 个字符")
    if sum(1 for pattern in _CLASSES if pattern.search(password)) < MIN_CLASSES:
        raise InvalidInput(field, "密码须包含大写字母、小写字母、数字、符号中的至少三类")
    name = username.strip().lower()
    if len(name) >= 3 and name in password.lower():
        raise InvalidInput(field, "密码不能包含用户名")
    inputs = [w for w in (name, display_name.strip(), (phone or "").strip(), *PLATFORM_WORDS) if w]
    if zxcvbn(password, user_inputs=inputs, max_length=MAX_LENGTH)["score"] < MIN_SCORE:
        raise InvalidInput(field, "密码太容易被猜中（常见密码、键盘顺序、重复字符、日期或个人信息），请换一个")
