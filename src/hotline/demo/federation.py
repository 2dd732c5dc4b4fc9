"""A second demo city peered with the first (``hotline demo --city CODE --port N``), so a
cross-city transfer can be tried on one machine.

The second city is a deployment of its own: its own data directory (``<data dir>/cities/CODE``,
its own SQLite database, the same demo province loaded into it) and its own server. It shares
the first demo's keys (``keys.json`` is copied), so this one command can also write the peer
row into the first demo's database: the first city gets the peer ``CODE`` (side "a", the
pair's key made there) and the second the peer ``qingchuan`` with that key (side "b")."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.auth import repository as auth_repository
from hotline.auth.principal import Principal
from hotline.config import Settings, get_settings
from hotline.integration.federation import repository, service
from hotline.kit.db import SessionFactory, transaction
from hotline.org.models import Category

FIRST = ("qingchuan", "青川市（第一个演示城市）")
#: S4 (川南四市): 14 hot categories open for mutual dispatch — the demo opens the first 14
#: top-level categories of its tree.
HOT_CATEGORIES = 14


@dataclass(frozen=True)
class Pairing:
    first_peer: str  # the second city as the first knows it
    second_peer: str  # the first city as the second knows it
    key_id: str
    categories: list[str]


def city_settings(first: Settings, code: str) -> Settings:
    """The second city's settings: its own data directory under the first's, the first's keys."""
    if not code.isascii() or not code.isalnum() or len(code) > 20:
        raise SystemExit("--city 应为不超过 20 个字母或数字，例如 --city yunling")
    city_dir = first.data_dir / "cities" / code.lower()
    city_dir.mkdir(parents=True, exist_ok=True)
    keys = first.data_dir / "keys.json"
    if keys.exists() and not (city_dir / "keys.json").exists():
        shutil.copy2(keys, city_dir / "keys.json")
    os.environ["HOTLINE_DATA_DIR"] = str(city_dir)
    os.environ.pop("HOTLINE_DATABASE_URL", None)
    get_settings.cache_clear()
    second = get_settings()
    second.database_url = None
    second.ensure_keys()
    return second


def _admin(session: Session) -> Principal:
    user = auth_repository.user_by_username(session, "admin")
    if user is None:
        raise SystemExit("演示数据中没有 admin 账号")
    return Principal.of(user)


def hot_categories(session: Session) -> list[str]:
    return list(session.execute(select(Category.code).where(Category.parent_id.is_(None), Category.active.is_(True))
                                .order_by(Category.code).limit(HOT_CATEGORIES)).scalars())


def pair(first: SessionFactory, second: SessionFactory, *, code: str, name: str, first_url: str,
         second_url: str) -> Pairing:
    """Peer the two demo platforms (again on a re-run: addresses brought up to date, the
    first's key reused when the second city's data directory was wiped)."""
    code = code.lower()
    with transaction(first) as session:
        admin = _admin(session)
        categories = hot_categories(session)
        existing = repository.peer_by_name(session, code)
        if existing is None:
            existing, _ = service.add_peer(session, admin, service.PeerData(
                name=code, url=second_url, display_name=name, contact_policy="full", category_codes=categories))
        elif existing.url != second_url:
            service.update_peer(session, admin, existing, version=None, url=second_url, state="active")
        key_id, secret = existing.key_id, existing.secret
    with transaction(second) as session:
        admin = _admin(session)
        mine = repository.peer_by_name(session, FIRST[0])
        if mine is None:
            service.add_peer(session, admin, service.PeerData(
                name=FIRST[0], url=first_url, display_name=FIRST[1], key_id=key_id, secret=secret,
                contact_policy="full", category_codes=hot_categories(session)))
        elif mine.url != first_url:
            service.update_peer(session, admin, mine, version=None, url=first_url, state="active")
    return Pairing(first_peer=code, second_peer=FIRST[0], key_id=key_id, categories=categories)
